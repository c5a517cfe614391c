"""The ``sportel`` command line. Thin: parse, call the floor below, print. Library code never prints."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.audit_cli import audit_app
from pipeline.errors import SportelError
from pipeline.settings import Settings, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Sportel: scan, read, classify, "
                  "redact and sign documents for a municipal one-stop shop.")
app.add_typer(audit_app, name="audit")
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True)


def _settings(home: Path | None) -> Settings:
    return load_settings(**({"home": home} if home is not None else {}))


HomeOption = Annotated[Path | None, typer.Option("--home", help="Folder for the embedded default (SQLite, "
                                                 "blobs, demo keys). Default: $SPORTEL_HOME or ./var")]


@app.command()
def process(
    inputs: Annotated[list[Path], typer.Argument(help="Files (PDF, TIFF, PNG, JPEG) or folders")],
    service: Annotated[str, typer.Option("--service", help="Service id from the catalog")],
    out: Annotated[Path, typer.Option("--out", help="Folder for manifest.json and the outputs")],
    case: Annotated[str | None, typer.Option("--case", help="Case id (a new one if not given)")] = None,
    home: HomeOption = None,
) -> None:
    """Run the whole pipeline on a batch and write the outputs and manifest.json."""
    from workers.local import expand_inputs, run_batch
    from workers.manifest import export_batch

    settings = _settings(home)
    files = expand_inputs(inputs)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as bar:
        pages = bar.add_task("pages", total=None)
        documents = bar.add_task("documents", total=None)

        def on_progress(p: object) -> None:
            from workers.local import Progress as RunProgress

            assert isinstance(p, RunProgress)
            bar.update(pages, completed=p.pages_done, total=p.pages_total or None)
            bar.update(documents, completed=p.documents_done, total=p.documents_total or None)

        result = run_batch(settings, files, service_id=service, case_id=case, on_progress=on_progress)
    manifest = export_batch(settings, result.batch_id, out)
    _print_summary(manifest, out)


def _print_summary(manifest: object, out: Path) -> None:
    from pipeline.manifest import Manifest

    assert isinstance(manifest, Manifest)
    table = Table(title=f"Case {manifest.case_id} · service {manifest.service_id}")
    for column in ("document", "type", "confidence", "pages", "PII", "redaction", "signature", "status"):
        table.add_column(column)
    for doc in manifest.documents:
        table.add_row(
            doc.id[:8], doc.type or "-", f"{doc.confidence:.2f}" if doc.confidence is not None else "-",
            f"{doc.page_range[0]}-{doc.page_range[1]}", str(len(doc.pii)),
            {True: "verified", False: "REVIEW", None: "-"}[doc.redaction_verified],
            "valid" if doc.signature and doc.signature.valid else "-", doc.status,
        )
    console.print(table)
    checklist = Table(title="Checklist")
    for column in ("required document", "status", "documents"):
        checklist.add_column(column)
    styles = {"present": "green", "missing": "red", "uncertain": "yellow"}
    for item in manifest.checklist:
        checklist.add_row(item.document_type, f"[{styles[item.status]}]{item.status}[/]",
                          ", ".join(d[:8] for d in item.document_ids))
    for doc_id in manifest.extra_document_ids:
        doc_type = next((d.type for d in manifest.documents if d.id == doc_id), None)
        checklist.add_row(f"(extra) {doc_type}", "extra", doc_id[:8])
    console.print(checklist)
    for error in manifest.page_errors:
        console.print(f"[red]page not read[/]: {error.input_file} page {error.source_index + 1}: {error.error_code}")
    console.print(f"Outputs: {out.resolve()}  (manifest: {(out / 'manifest.json').resolve()})")


@app.command()
def samples(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the corpus to")],
    count: Annotated[int, typer.Option("--count", min=1)] = 12,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    unseen_layout: Annotated[bool, typer.Option("--unseen-layout", help="A layout family never used in "
                                                "training")] = False,
    service: Annotated[str, typer.Option("--service", help="Service the batch is for")] = "blq_strehim_invalidet",
) -> None:
    """Generate realistic synthetic scans with ground truth (demo data, fixtures, benchmark corpus)."""
    from benchmarks.samples.generate import generate_corpus
    from pipeline.catalog import load_catalog

    catalog = load_catalog()
    target = catalog.service(service)
    required = [t for entry in target.required_documents for t in entry.document_types[:1]]
    corpus = generate_corpus(out, count=count, seed=seed, unseen_layout=unseen_layout,
                             service_required_types=required, service_id=service)
    console.print(f"{len(corpus.documents)} documents and {len(corpus.batches)} batches in {out.resolve()}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    home: HomeOption = None,
) -> None:
    """Serve the API and the officers' review pages."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings(home)), host=host, port=port, log_level="info")


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1)] = os.cpu_count() or 1,
    threads: Annotated[int, typer.Option(min=1)] = 1,
    queues: Annotated[list[str] | None, typer.Option("--queue", help="Only these queues (intake, pages, "
                                                      "documents)")] = None,
) -> None:
    """Run production workers over Redis or RabbitMQ (settings from SPORTEL_* variables)."""
    from dramatiq.cli import main as dramatiq_main

    settings = load_settings()
    if settings.broker == "stub":
        err_console.print("sportel worker needs SPORTEL_BROKER=redis or rabbitmq; the stub broker runs "
                          "in-process with `sportel process`.")
        raise typer.Exit(2)
    argv = ["dramatiq", "workers.bootstrap:setup", "--processes", str(processes), "--threads", str(threads)]
    if queues:
        argv += ["--queues", *queues]
    sys.argv = argv
    raise typer.Exit(dramatiq_main())  # type: ignore[no-untyped-call]


@app.command()
def coversheet(
    case: Annotated[str, typer.Option("--case", help="Case id")],
    service: Annotated[str, typer.Option("--service", help="Service id from the catalog")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write")] = Path("coversheet.pdf"),
    separators: Annotated[int, typer.Option("--separators", min=0, help="Separator sheets to append")] = 0,
) -> None:
    """Print a cover sheet (QR with case and service) and optional separator sheets as one PDF."""
    from PIL import Image

    from pipeline.catalog import load_catalog
    from stages.sheets import render_cover_sheet, render_separator_sheet

    target = load_catalog().service(service)
    dpi = 150
    images = [render_cover_sheet(case, service, dpi=dpi, label=target.id)]
    images += [render_separator_sheet(dpi=dpi) for _ in range(separators)]
    pages = [Image.fromarray(image) for image in images]
    pages[0].save(out, format="PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    console.print(f"cover sheet for case {case} written to {out}")


@app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Signed PDF files")],
    trust: Annotated[list[Path] | None, typer.Option("--trust", help="Trusted root certificates (PEM/DER)")] = None,
    home: HomeOption = None,
) -> None:
    """Validate every signature of each PDF with pyHanko (incl. modification analysis), in plain words."""
    from stages.pki import ensure_demo_pki
    from stages.sign import validate_pdf

    roots = list(trust or [])
    if not roots:
        roots = [ensure_demo_pki(_settings(home).pki_dir).root_cert]
    failed = False
    for path in files:
        reports = validate_pdf(path.read_bytes(), trust_roots=roots)
        if not reports:
            console.print(f"{path}: [yellow]no signatures[/]")
            failed = True
        for report in reports:
            ok = report.valid and report.intact and report.trusted
            failed = failed or not ok
            mark = "[green]valid[/]" if ok else "[red]NOT valid[/]"
            console.print(f"{path}: {mark} · {report.summary}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def bench(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples`")],
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures")] = Path("bench.json"),
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    service: Annotated[str, typer.Option("--service")] = "blq_strehim_invalidet",
    ocrmypdf: Annotated[bool, typer.Option("--ocrmypdf/--no-ocrmypdf")] = True,
) -> None:
    """Pages per minute of Sportel end to end against bare tesseract and OCRmyPDF, and peak memory."""
    from benchmarks.bench import run_benchmark

    result = run_benchmark(samples_dir / "batch.pdf", service_id=service, jobs=jobs, with_ocrmypdf=ocrmypdf)
    table = Table(title=f"{result.pages} pages, {result.jobs} parallel jobs")
    for column in ("run", "seconds", "pages/min", "peak RSS MB"):
        table.add_column(column)
    for run in result.runs:
        table.add_row(run.name, f"{run.seconds:.1f}", f"{run.pages_per_minute:.1f}",
                      f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb else "-")
    console.print(table)
    for name, value in result.ratios().items():
        console.print(f"{name}: {value:.2f}")
    out.write_text(result.to_json(), encoding="utf-8")
    console.print(f"figures written to {out}")


@app.command("bench-classify")
def bench_classify(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples` (a seed "
                                              "other than the model's training seed)")],
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    home: HomeOption = None,
) -> None:
    """Top-1 accuracy of document classification on OCRed generated documents, with a confusion matrix."""
    from benchmarks.classification import evaluate
    from pipeline.catalog import load_catalog
    from stages.classify import load_model
    from workers.models import CURRENT_MODEL, DEFAULT_MODEL

    settings = _settings(home)
    model_path = settings.home / "models" / CURRENT_MODEL
    model = load_model(model_path if model_path.exists() else DEFAULT_MODEL)
    figures = evaluate(samples_dir, load_catalog(), model, jobs=jobs)
    table = Table(title="Confusion (true type -> predicted type, count)")
    for column in ("true", "predicted", "count"):
        table.add_column(column)
    for (true, predicted), count in sorted(figures.confusion.items()):
        table.add_row(true, predicted if predicted == true else f"[red]{predicted}[/]", str(count))
    console.print(table)
    console.print(f"top-1 accuracy {figures.correct}/{figures.total} = {figures.accuracy:.3f}; "
                  f"uncertain {figures.uncertain}; model {model.version[:12]}")
    if (samples_dir / "stack.json").exists():
        from benchmarks.classification import stack_boundary_f1

        f1, true_count, predicted_count = stack_boundary_f1(samples_dir, load_catalog(), model, jobs=jobs)
        console.print(f"automatic split of stack.pdf (no separators): boundary F1 {f1:.3f} "
                      f"({true_count} true documents, {predicted_count} found)")


@app.command()
def retrain(
    samples_dir: Annotated[Path | None, typer.Option("--samples", help="Generated corpus to train on "
                                                      "(default: generate one)")] = None,
    count: Annotated[int, typer.Option("--count", min=14)] = 140,
    seed: Annotated[int, typer.Option("--seed")] = 1000,
    home: HomeOption = None,
) -> None:
    """Train a new text classification model on generated documents and officers' corrections, store
    it versioned and put it in use (the version is recorded on every classification from then on)."""
    from workers.retrain import retrain_model

    settings = _settings(home)
    result = retrain_model(settings, samples_dir=samples_dir, count=count, seed=seed)
    console.print(f"model {result.version[:12]} trained on {result.generated} generated documents and "
                  f"{result.corrections} corrections; in use from now on ({result.path})")


def main() -> None:
    logging.basicConfig(level=os.environ.get("SPORTEL_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app()
    except SportelError as exc:
        err_console.print(f"[red]error[/] ({exc.code}): {exc}")
        raise SystemExit(2) from None
