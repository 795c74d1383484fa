"""``corpuskit push FOLDER --repo ID``: upload one version to the Hugging Face Hub."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.command("push")
@click.argument("folder", type=click.Path())
@click.option("--repo", required=True, help="Dataset repository id on the Hub, e.g. my-org/my-news.")
@click.option("--private", is_flag=True, help="Create the repository as private (if it does not exist).")
@click.option("--dry-run", is_flag=True, help="List what would be uploaded; contact nothing.")
@handle_errors
def command(folder, repo, private, dry_run):
    """Upload the version folder FOLDER to the Hub as one commit tagged v<version>.

    Refuses a tag that exists with other content; records the commit in
    <version>.push.jsonl beside the folder. Needs huggingface_hub
    (pip install 'corpuskit[hub]') and a token (HF_TOKEN or `hf auth login`).
    """
    import os

    from corpuskit._check.folder import open_folder
    from corpuskit.publish.hub import push

    open_folder(folder)  # one clear line for a folder that is not a published version
    result = push(folder, repo, private=private, dry_run=dry_run)
    if dry_run:
        total = sum(size for _, size in result.files)
        click.echo(f"would push {len(result.files)} files ({total} bytes) to {repo} as one commit, "
                   f"tagged {result.tag}:")
        for rel, size in result.files:
            click.echo(f"  {rel}  {size}")
        return
    if result.status == "unchanged":
        click.echo(f"{repo}: tag {result.tag} already holds this version; nothing pushed")
        return
    click.echo(f"{repo}: pushed {len(result.files)} files in commit {result.commit}, tagged {result.tag}"
               + (f"; deleted {len(result.deleted)} file(s) of the previous version" if result.deleted else ""))
    click.echo(f"logged in {os.path.relpath(result.log)}")
    click.echo(f'load it with: load_dataset("{repo}", revision="{result.tag}")')
