/**
 * The /docs page: a self-contained HTML rendering of the OpenAPI document and the error table
 * (nothing loaded from a CDN, so it works offline).
 */
import { ERROR_TABLE, type ErrorCode } from "./errors.ts";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Operation {
  summary?: string;
  description?: string;
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
  requestBody?: { content?: Record<string, unknown> };
}

/**
 * @example
 * c.html(renderDocsPage(app.getOpenAPI31Document(config)));
 */
export function renderDocsPage(doc: {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation> | undefined>;
}): string {
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods ?? {})) {
      const req = op.requestBody?.content ? Object.keys(op.requestBody.content).join(", ") : "";
      const rows = Object.entries(op.responses ?? {})
        .map(
          ([status, r]) =>
            `<tr><td>${esc(status)}</td><td>${esc(Object.keys(r.content ?? {}).join(", "))}</td><td>${esc(r.description ?? "")}</td></tr>`,
        )
        .join("");
      ops.push(`<section><h2><code>${esc(method.toUpperCase())} ${esc(path)}</code></h2>
<p><strong>${esc(op.summary ?? "")}</strong></p><p>${esc(op.description ?? "")}</p>
${req ? `<p>Request body: <code>${esc(req)}</code></p>` : ""}
<table><tr><th>Status</th><th>Content</th><th>Meaning</th></tr>${rows}</table></section>`);
    }
  }
  const errors = (Object.keys(ERROR_TABLE) as ErrorCode[])
    .map((c) => {
      const e = ERROR_TABLE[c];
      return `<tr id="error-${c}"><td><code>${c}</code></td><td>${e.status}</td><td>${e.kind === "ack" ? "HL7 ACK" : "problem+json"}</td><td>${esc(e.title)}</td><td>${esc(e.doc)}</td></tr>`;
    })
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2rem}</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${ops.join("\n")}
<section><h2>Error codes</h2><table><tr><th>Code</th><th>HTTP</th><th>Body</th><th>Title</th><th>Meaning</th></tr>${errors}</table></section>
</body></html>`;
}
