#!/usr/bin/env node
// Builds the product's stylesheet from the NL Design System packages pinned in package.json
// (run `npm ci` first) and our own CSS. In src/gesprekskaarten/static/gesprekskaarten/:
//
//   vendor/nlds.css          NL Design System component CSS + design tokens (generated)
//   vendor/LICENSE-*.md      the licence texts of those packages, vendor/README.md lists them
//   src/gesprekskaarten.css  OUR styles: the file to edit
//   css/gesprekskaarten.css  what base.html links (generated): nlds.css followed by our styles,
//                            minified, so a page needs one stylesheet request and no @import
//
//   node scripts/build-assets.mjs          write the generated files
//   node scripts/build-assets.mjs --check  exit 1 when the committed files are out of date
//
// What goes in:
// - the CSS of only the components the templates use (COMPONENTS below), with the rules for
//   variants we do not use left out (each entry's `drop`), so participants download less;
// - only the design tokens (CSS custom properties) that this CSS or our own stylesheet
//   (src/gesprekskaarten.css) reads, out of the ~2,800 the theme has.
//   Component tokens (--utrecht-*) keep pointing at the theme's base tokens (--basis-*), and
//   the base tokens are written as plain values, so our CSS can restyle a whole family
//   (dark mode, print) by overriding a few --basis-* properties.
// Run it after every change to src/gesprekskaarten.css and commit the generated files.
//
// Plain Node (>= 20), no dependencies, no network.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const STATIC_DIR = join(ROOT, "src/gesprekskaarten/static/gesprekskaarten");
const OUT_DIR = join(STATIC_DIR, "vendor");
const OUT_CSS = join(OUT_DIR, "nlds.css");
const OWN_CSS = join(STATIC_DIR, "src/gesprekskaarten.css");
const OUT_BUNDLE = join(STATIC_DIR, "css/gesprekskaarten.css");
const NODE_MODULES = join(ROOT, "node_modules");

// The class on <html> (base.html) that carries the theme's custom properties.
const THEME_SELECTOR = ".gk-theme";

// Component stylesheets, in cascade order. `drop`: selectors matching any of these patterns are
// removed (a rule whose selectors are all removed goes entirely). `rename`: [pattern, replacement]
// pairs applied to the selectors that are kept.
const COMPONENTS = [
  { pkg: "@utrecht/page-body-css", file: "dist/index.min.css", drop: [/__content/] },
  {
    pkg: "@utrecht/skip-link-css",
    file: "dist/index.min.css",
    // gesprekskaarten.css shows the skip link on focus itself (.gk-skip-link).
    drop: [/--/],
  },
  { pkg: "@utrecht/page-header-css", file: "dist/index.min.css", drop: [/__content/] },
  { pkg: "@utrecht/page-footer-css", file: "dist/index.min.css", drop: [/__content/, /__address/] },
  { pkg: "@utrecht/heading-1-css", file: "dist/index.min.css" },
  { pkg: "@utrecht/heading-2-css", file: "dist/index.min.css" },
  { pkg: "@utrecht/heading-3-css", file: "dist/index.min.css" },
  { pkg: "@utrecht/paragraph-css", file: "dist/index.min.css", drop: [/--small/, /__small/, /__b\b/] },
  {
    pkg: "@utrecht/link-css",
    file: "dist/index.min.css",
    drop: [/--telephone/, /--current/, /--box-content/, /--placeholder/, /--html-span/],
  },
  {
    pkg: "@utrecht/button-css",
    file: "dist/index.min.css",
    drop: [/--busy/, /--danger/, /--warning/, /--ready/, /--pressed/, /--distanced/],
  },
  {
    pkg: "@utrecht/button-link-css",
    file: "dist/index.min.css",
    // Our button links are always <a> elements: give every .utrecht-button-link the hover and
    // active states of the --html-a modifier (the focus colours only for keyboard focus), so the
    // templates need no extra class. The state classes are for documentation pages only.
    drop: [/--placeholder/, /^\.utrecht-button-link--(active|hover|focus|focus-visible)$/],
    rename: [
      [/^\.utrecht-button-link--html-a:focus$/, ".utrecht-button-link:focus-visible"],
      [/\.utrecht-button-link--html-a\b/g, ".utrecht-button-link"],
    ],
  },
  {
    pkg: "@utrecht/unordered-list-css",
    file: "dist/index.min.css",
    drop: [/--html-content/, /--center/, /--level-[3-8]/],
  },
  {
    pkg: "@utrecht/ordered-list-css",
    file: "dist/index.min.css",
    drop: [/--html-content/, /--center/, /--arabic/],
  },
];

// The design-token theme: one rule of custom properties.
const TOKENS = {
  pkg: "@nl-design-system-unstable/voorbeeld-design-tokens",
  file: "dist/theme.css",
};

// ---------------------------------------------------------------------------------------------

function readPackage(name) {
  const dir = join(NODE_MODULES, name);
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) {
    console.error(`build-assets: ${name} is not installed; run \`npm ci\` first.`);
    process.exit(2);
  }
  const json = JSON.parse(readFileSync(manifest, "utf8"));
  const licenceFile = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
  return { name, dir, version: json.version, license: json.license, licenceFile };
}

function stripComments(css) {
  let out = "";
  let i = 0;
  let quote = null;
  while (i < css.length) {
    const c = css[i];
    if (quote) {
      out += c;
      if (c === "\\") out += css[++i] ?? "";
      else if (c === quote) quote = null;
      i++;
    } else if (c === '"' || c === "'") {
      quote = c;
      out += c;
      i++;
    } else if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      i = end === -1 ? css.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// Splits `text` on `sep` where not inside quotes, parentheses or brackets.
function splitTopLevel(text, sep) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

// Parses comment-free CSS into [{prelude, body}] (body: string for declarations, array for
// nested rules of an at-rule) and [{statement}] for block-less at-rules such as @charset.
function parseBlocks(css) {
  const nodes = [];
  let i = 0;
  while (i < css.length) {
    while (i < css.length && /\s/.test(css[i])) i++;
    if (i >= css.length) break;
    let j = i;
    let quote = null;
    let depth = 0;
    while (j < css.length) {
      const c = css[j];
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
      else if (depth === 0 && (c === "{" || c === ";")) break;
      j++;
    }
    const prelude = css.slice(i, j).trim();
    if (css[j] === ";" || j >= css.length) {
      nodes.push({ statement: prelude });
      i = j + 1;
      continue;
    }
    let k = j + 1;
    let level = 1;
    quote = null;
    while (k < css.length && level > 0) {
      const c = css[k];
      if (quote) {
        if (c === "\\") k++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "{") level++;
      else if (c === "}") level--;
      k++;
    }
    const inner = css.slice(j + 1, k - 1);
    const isGroup = /^@(media|supports|layer|container)\b/.test(prelude);
    nodes.push({ prelude, body: isGroup ? parseBlocks(inner) : inner.trim() });
    i = k;
  }
  return nodes;
}

function filterNodes(nodes, drop, rename = []) {
  const kept = [];
  for (const node of nodes) {
    if (node.statement !== undefined) {
      if (!/^@charset\b/i.test(node.statement)) kept.push(node);
      continue;
    }
    if (Array.isArray(node.body)) {
      const body = filterNodes(node.body, drop, rename);
      if (body.length) kept.push({ prelude: node.prelude, body });
      continue;
    }
    if (node.prelude.startsWith("@")) {
      kept.push(node);
      continue;
    }
    const selectors = splitTopLevel(node.prelude, ",")
      .map((s) => s.trim())
      .filter((s) => s && !drop.some((re) => re.test(s)))
      .map((s) => rename.reduce((out, [re, to]) => out.replace(re, to), s));
    if (selectors.length) kept.push({ prelude: selectors.join(","), body: node.body });
  }
  return kept;
}

function minifyDeclarations(body) {
  return splitTopLevel(body, ";")
    .map((d) => d.trim().replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")"))
    .filter(Boolean)
    .map((d) => d.replace(/^([^:]+?)\s*:\s*/, "$1:"))
    .join(";");
}

function serialise(nodes) {
  return nodes
    .map((node) => {
      if (node.statement !== undefined) return `${node.statement};`;
      if (Array.isArray(node.body)) return `${node.prelude}{${serialise(node.body)}}`;
      return `${node.prelude.replace(/\s+/g, " ")}{${minifyDeclarations(node.body)}}`;
    })
    .join("\n");
}

function varReferences(text) {
  return [...text.matchAll(/var\(\s*(--[\w-]+)/g)].map((m) => m[1]);
}

// --- components --------------------------------------------------------------------------------

const used = [];
const componentCss = [];
for (const component of COMPONENTS) {
  const info = readPackage(component.pkg);
  const raw = readFileSync(join(info.dir, component.file), "utf8");
  const nodes = filterNodes(parseBlocks(stripComments(raw)), component.drop ?? [], component.rename);
  componentCss.push(`/* ${info.name}@${info.version} */\n${serialise(nodes)}`);
  used.push(info);
}

// --- tokens ------------------------------------------------------------------------------------

const tokenInfo = readPackage(TOKENS.pkg);
used.push(tokenInfo);
const themeCss = stripComments(readFileSync(join(tokenInfo.dir, TOKENS.file), "utf8"));
const theme = new Map();
for (const node of parseBlocks(themeCss)) {
  if (typeof node.body !== "string") continue;
  for (const declaration of splitTopLevel(node.body, ";")) {
    const m = declaration.match(/^\s*(--[\w-]+)\s*:\s*([\s\S]*?)\s*$/);
    if (m) theme.set(m[1], m[2].replace(/\s+/g, " "));
  }
}

// Which custom properties to write: every one that the kept component CSS or our own CSS reads,
// and the ones those read in turn. Base tokens (--basis-*) are written as plain values; other
// tokens keep their references to base and component tokens, and the theme's own palette
// (--voorbeeld-*) is inlined.
const ownCss = existsSync(OWN_CSS) ? stripComments(readFileSync(OWN_CSS, "utf8")) : "";
const isBase = (name) => name.startsWith("--basis-");
const isPalette = (name) => name.startsWith("--voorbeeld-");

function resolveAll(value, seen = new Set()) {
  return value.replace(/var\(\s*(--[\w-]+)\s*\)/g, (all, name) =>
    theme.has(name) && !seen.has(name) ? resolveAll(theme.get(name), new Set([...seen, name])) : all,
  );
}
function resolvePalette(value) {
  return value.replace(/var\(\s*(--[\w-]+)\s*\)/g, (all, name) =>
    isPalette(name) && theme.has(name) ? resolveAll(all) : all,
  );
}

const emitted = new Map();
const queue = [...varReferences(componentCss.join("\n")), ...varReferences(ownCss)];
while (queue.length) {
  const name = queue.shift();
  if (emitted.has(name) || !theme.has(name) || isPalette(name)) continue;
  const value = isBase(name) ? resolveAll(theme.get(name)) : resolvePalette(theme.get(name));
  emitted.set(name, value);
  queue.push(...varReferences(value));
}
const tokenLines = [...emitted]
  .sort(([a], [b]) => Number(isBase(b)) - Number(isBase(a)) || a.localeCompare(b))
  .map(([name, value]) => `${name}:${value}`);
const tokensCss = `/* ${tokenInfo.name}@${tokenInfo.version}: ${emitted.size} of ${theme.size} tokens */\n${THEME_SELECTOR}{\n${tokenLines.join(";\n")}\n}`;

// --- licences and output ---------------------------------------------------------------------

const licences = new Map(); // sha256 -> {file, text, packages}
for (const info of used) {
  if (!info.licenceFile) {
    console.error(`build-assets: ${info.name} ships no licence file.`);
    process.exit(2);
  }
  const text = readFileSync(join(info.dir, info.licenceFile), "utf8");
  const hash = createHash("sha256").update(text).digest("hex");
  if (!licences.has(hash)) {
    const base = String(info.license || "LICENSE").replace(/[^\w.-]+/g, "-");
    let file = `LICENSE-${base}.md`;
    let n = 2;
    while ([...licences.values()].some((l) => l.file === file)) file = `LICENSE-${base}-${n++}.md`;
    licences.set(hash, { file, text, packages: [] });
  }
  licences.get(hash).packages.push(info);
}
const licenceOf = (info) =>
  [...licences.values()].find((l) => l.packages.includes(info)).file;

const header = [
  "/*!",
  " * nlds.css: NL Design System component CSS and design tokens for Gesprekskaarten.",
  " * Generated by scripts/build-assets.mjs from the packages pinned in package.json; do not edit.",
  " * Only the components and tokens Gesprekskaarten uses are included.",
  " *",
  ...used.map(
    (info) => ` * ${info.name} ${info.version}, licence ${info.license} (vendor/${licenceOf(info)})`,
  ),
  " *",
  " * Component CSS: Copyright (c) 2020-2024 Frameless B.V., Copyright (c) 2021-2024 Gemeente Utrecht.",
  " * Design tokens: Copyright (c) 2021 NL Design System Community.",
  " */",
].join("\n");

const nlds = `${header}\n${tokensCss}\n${componentCss.join("\n")}\n`;
const output = `@charset "UTF-8";\n${nlds}`;

// The stylesheet the pages link: nlds.css, then our own CSS, minified (comments dropped).
if (!existsSync(OWN_CSS)) {
  console.error(`build-assets: ${OWN_CSS.slice(ROOT.length + 1)} is missing.`);
  process.exit(2);
}
const bundle = [
  '@charset "UTF-8";',
  "/*! Gesprekskaarten styles. Generated by scripts/build-assets.mjs from",
  " * vendor/nlds.css (NL Design System, licences below) and src/gesprekskaarten.css; do not edit. */",
  nlds.trimEnd(),
  "/* Gesprekskaarten (src/gesprekskaarten.css), EUPL-1.2 */",
  serialise(parseBlocks(ownCss)),
  "",
].join("\n");

const files = new Map([
  [OUT_CSS, output],
  [OUT_BUNDLE, bundle],
]);
for (const licence of licences.values()) files.set(join(OUT_DIR, licence.file), licence.text);
const readme = [
  "# Vendored NL Design System CSS",
  "",
  "`nlds.css` is generated by `node scripts/build-assets.mjs` (after `npm ci`) from these",
  "packages, pinned in `package.json`: only the components and design tokens we use. Do not",
  "edit it by hand. The pages load `../css/gesprekskaarten.css`, which the same script makes",
  "from `nlds.css` and our own `../src/gesprekskaarten.css`.",
  "",
  "| package | version | licence | licence text |",
  "| --- | --- | --- | --- |",
  ...used.map((i) => `| ${i.name} | ${i.version} | ${i.license} | ${licenceOf(i)} |`),
  "",
].join("\n");
files.set(join(OUT_DIR, "README.md"), readme);

if (process.argv.includes("--check")) {
  const stale = [...files].filter(([file, text]) => !existsSync(file) || readFileSync(file, "utf8") !== text);
  const extra = existsSync(OUT_DIR)
    ? readdirSync(OUT_DIR).filter((f) => !files.has(join(OUT_DIR, f)))
    : [];
  for (const [file] of stale) console.error(`build-assets: out of date: ${file.slice(ROOT.length + 1)}`);
  for (const f of extra) console.error(`build-assets: not generated: ${OUT_DIR.slice(ROOT.length + 1)}/${f}`);
  process.exit(stale.length || extra.length ? 1 : 0);
}

mkdirSync(OUT_DIR, { recursive: true });
for (const f of readdirSync(OUT_DIR)) {
  if (!files.has(join(OUT_DIR, f))) rmSync(join(OUT_DIR, f));
}
for (const [file, text] of files) writeFileSync(file, text);
console.log(
  `build-assets: wrote ${OUT_CSS.slice(ROOT.length + 1)} (${Buffer.byteLength(output)} bytes, ` +
    `${COMPONENTS.length} components, ${emitted.size} tokens), ${licences.size} licence file(s) ` +
    `and ${OUT_BUNDLE.slice(ROOT.length + 1)} (${Buffer.byteLength(bundle)} bytes).`,
);
