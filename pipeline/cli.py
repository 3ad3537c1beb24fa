"""Command line: ``policy-pipeline run | models``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from .limits import DEFAULT_MAX_CHARS, DEFAULT_PIECE_CHARS

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

EXIT_OK, EXIT_DOC_ERRORS, EXIT_USAGE = 0, 1, 2


@app.command()
def models(
    save: Annotated[Path | None, typer.Option(help="Also save the whole pipeline here (nlp.to_disk).")] = None,
) -> None:
    """Download, verify and convert the pkuseg model (once); optionally save the pipeline."""
    from .language import build
    from .models import ensure_pkuseg_model, licence_note

    path = ensure_pkuseg_model()
    licence_note(path)
    typer.echo(f"pkuseg model: {path}")
    if save:
        build().to_disk(save)
        typer.echo(f"pipeline saved to {save}")


@app.command()
def run(
    inputs: Annotated[list[Path], typer.Argument(
        help="Files or folders (recursive): .txt, .html/.htm, .jsonl, .csv, .parquet, saved HF datasets.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="A .jsonl file, or a folder (one JSON per document).")],
    parquet: Annotated[Path | None, typer.Option(
        help="Also write documents/sentences/entities.parquet to this folder.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (or Dask workers of the local cluster).")] = 1,
    engine: Annotated[str, typer.Option(help="local (this machine) or dask (dask.distributed).")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler (with --engine dask; default: a local cluster).")] = None,
    model: Annotated[Path | None, typer.Option(help="A saved pipeline directory.")] = None,
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.csv/.parquet/dataset inputs.")] = "text",
    id_column: Annotated[str | None, typer.Option(
        help="Id column of those inputs (default: doc_id, then id, then <file>-<row>).")] = None,
    max_chars: Annotated[int, typer.Option(help="Longer documents get error E037.")] = DEFAULT_MAX_CHARS,
    doc_timeout: Annotated[float, typer.Option(
        help="Seconds (plus 1 s per 1,000 characters) a worker may spend on one document; 0: no limit.")] = 120.0,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run with the same arguments.")] = True,
    allow_output_in_input: bool = False,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
) -> None:
    """Tag every sentence and entity of the input documents.

    Exit codes: 0 every document processed, 1 the run completed but some documents have an
    error, 2 bad arguments or configuration, 130 interrupted (run again to resume).
    """
    from .batch_run import RunOptions, UsageError, execute
    from .limits import Limits
    from .readers import ReadOptions
    from .writers import summary_path

    options = RunOptions(
        inputs=inputs, output=output, parquet=parquet, workers=workers, engine=engine, scheduler=scheduler,
        model=model, read=ReadOptions(text_column=text_column, id_column=id_column),
        limits=Limits(max_chars=max_chars, piece_chars=min(max_chars, DEFAULT_PIECE_CHARS)),
        doc_timeout=doc_timeout or None, resume=resume, allow_output_in_input=allow_output_in_input,
        progress=not quiet,
    )
    try:
        result = execute(options, echo=lambda message: typer.echo(message, err=True))
    except UsageError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if not quiet and result.rendered:
        typer.echo(result.rendered)
        typer.echo(f"\nOutput: {output}   summary: {summary_path(output)}")
    raise typer.Exit(result.exit_code)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Option(help="Folder of <doc_id>.jsonl gold files (schema: pipeline/gold.py).")] = Path("corpus/gold"),
    model: Annotated[Path | None, typer.Option(help="A saved pipeline directory (default: pipeline.load()).")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Report folder: metrics.json, README.md, PNGs.")] = Path("reports/eval"),
    raw: Annotated[Path | None, typer.Option(help="Folder of the raw <doc_id>.txt texts (default: GOLD/../raw).")] = None,
    seg_corpora: Annotated[Path, typer.Option(help="Folder with the SIGHAN 2005 {pku,msr}_test_gold.utf8; skipped when absent.")] = Path("../shared/corpora/segmentation"),
    seg_lines: Annotated[int, typer.Option(min=0, help="Score the first N lines of each SIGHAN test set (0: all).")] = 500,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
) -> None:
    """Score sentences, entities and segmentation against the gold; write a report."""
    from .evaluation.report import headline, write_report
    from .evaluation.runner import run_evaluation
    from .gold import load_gold
    from .language import load

    started = time.perf_counter()
    try:
        docs = load_gold(gold, raw)
        nlp = load(model)
    except (OSError, ValueError) as err:  # a missing or invalid gold file, an unloadable pipeline
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    metrics = run_evaluation(gold, docs=docs, nlp=nlp, model=model, seg_dir=seg_corpora, seg_lines=seg_lines,
                             started=started)
    report = write_report(metrics, output)
    if not quiet:
        typer.echo(headline(metrics, report))


TRAINABLE = ("sentence", "textcat", "ner")


@app.command()
def train(
    only: Annotated[list[str] | None, typer.Option(
        help="Train only these: sentence (scikit-learn classifier), textcat (spaCy), ner. Repeatable.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Models folder.")] = Path("models"),
    seed: Annotated[int, typer.Option(help="Random seed of every model.")] = 0,
) -> None:
    """Rebuild the trained models from corpus/ (weak labels and silver entities; never the gold)."""
    chosen = list(only or TRAINABLE)
    unknown = [name for name in chosen if name not in TRAINABLE]
    if unknown:
        typer.echo(f"Unknown model(s) {', '.join(unknown)}; choose from {', '.join(TRAINABLE)}.", err=True)
        raise typer.Exit(EXIT_USAGE)
    started = time.perf_counter()
    for name in chosen:
        began = time.perf_counter()
        if name == "sentence":
            from .train.sentence import train_sentence_classifier

            metrics = train_sentence_classifier(output / "sentence-classifier", seed=seed)
            summary = f"CV by report macro-F1 {metrics['cross_validation']['macro_f1']:.3f}"
        elif name == "textcat":
            from .train.textcat import train_textcat

            metrics = train_textcat(output / "textcat", seed=seed, score_gold=False)
            heldout = metrics.get("heldout_reports") or {}
            summary = f"held-out reports macro-F1 {heldout['macro_f1']:.3f}" if "macro_f1" in heldout else ""
        else:
            from .train.ner import train_ner

            train_ner(output / "ner", seed=seed)
            summary = ""
        typer.echo(f"{name}: {time.perf_counter() - began:.0f} s {summary}".rstrip())
    typer.echo(f"trained {', '.join(chosen)} in {time.perf_counter() - started:.0f} s → {output}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
