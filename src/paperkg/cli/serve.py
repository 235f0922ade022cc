"""``paperkg serve``: a read-only SPARQL endpoint over a built graph."""

from __future__ import annotations

import argparse

from paperkg.query.serve import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TIMEOUT_S, SparqlServer, serve

EPILOG = """examples:
  paperkg serve                          # http://127.0.0.1:7878/query
  paperkg serve --graph my-graph --port 8000
  curl -H 'Accept: text/csv' --data-urlencode \\
       'query=PREFIX pk: <https://w3id.org/paperkg/ontology#>
              PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
              SELECT ?label WHERE { ?e a pk:Model ; rdfs:label ?label }' \\
       http://127.0.0.1:7878/query

The endpoint speaks the SPARQL 1.1 Protocol: GET ?query=..., POST form-encoded
or application/sparql-query; results as JSON (default), XML, CSV or TSV by
Accept, CONSTRUCT as Turtle, N-Triples, RDF/XML or JSON-LD. Updates are refused
(/update answers 403; an update sent to /query is a malformed query, 400).
Unlike `paperkg query`, declare the PREFIXes you use. The query page at
http://HOST:PORT/ (YASGUI, served by Oxigraph itself) works offline; only its
optional autocompletion asks prefix.cc and LOV on the web, and finds nothing
offline. Ctrl-C stops the server. The server answers from the graph as it was
when it started: after a new `paperkg build` into the same folder, restart it.

--timeout cancels a query that is still sending rows after SECONDS (at most a
day). The answer has begun (status 200), so it ends with the line "The SPARQL
operation has been cancelled" in place of the rest: a client must not take a
body ending so for a whole answer. Oxigraph cannot interrupt a query before its
first row (an aggregate or a sort over a huge join): such a query runs on in the
server until it ends, and only a restart stops it (oxigraph/oxigraph#1336).

If the server crashes (a query nesting thousands of brackets overflows its
stack), paperkg logs the reason and starts it again (up to 5 times a minute),
on the graph as the folder holds it then.
"""


def register(subparsers) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser(
        "serve",
        help="serve a built graph as a read-only SPARQL endpoint",
        description="Serve the graph of a build as a read-only SPARQL 1.1 Protocol endpoint "
        "(Oxigraph), with a query page in the browser.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--graph",
        default="outputs",
        metavar="DIR",
        help="a build's output folder (default: outputs/)",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"cancel a query still sending rows after this long (default: "
        f"{DEFAULT_TIMEOUT_S}; see below)",
    )
    return parser


def _announce(server: SparqlServer) -> None:
    print(f"Serving {server.store.source} ({server.store.triples} triples), read-only.")
    print(f"SPARQL endpoint: {server.endpoint}")
    print(f"Query page:      {server.page_url}")
    print("Press Ctrl-C to stop.", flush=True)


def run(args: argparse.Namespace) -> int:
    serve(args.graph, args.host, args.port, args.timeout, on_ready=_announce)
    print("Stopped.")
    return 0
