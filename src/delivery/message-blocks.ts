import { escapeHtml } from '../platform/html';
import { replaceUnsafeText } from '../platform/text';

/*
 * Text and HTML are built from one list of blocks, so the two parts always say the same thing
 * and every value reaches HTML through one escape.
 */

export type Link = { label: string; href: string };
export type Block =
  | { type: 'title'; text: string }
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'facts'; rows: Array<[label: string, value: string | Link]> }
  | { type: 'list'; items: string[] }
  | { type: 'link'; link: Link }
  /** Blocks already rendered (prerender): a part many messages share, rendered once. */
  | { type: 'rendered'; text: readonly string[]; html: readonly string[] };

/** Control and bidi characters (the one text rule) could make a value read differently from what it is. */
export const clean = (s: string) => replaceUnsafeText(s, ' ');

export function renderText(blocks: Block[]): string {
  return `${textLines(blocks).join('\n').trimEnd()}\n`;
}

/** Renders blocks once for both parts: the result stands in for them in any later message. */
export function prerender(blocks: Block[]): Extract<Block, { type: 'rendered' }> {
  return { type: 'rendered', text: textLines(blocks), html: blocks.map(htmlOf) };
}

function textLines(blocks: Block[]): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'title':
        out.push(clean(block.text).toUpperCase(), '');
        break;
      case 'heading':
        out.push(clean(block.text), '-'.repeat(clean(block.text).length));
        break;
      case 'paragraph':
        out.push(clean(block.text), '');
        break;
      case 'facts':
        for (const [label, value] of block.rows) {
          out.push(`${label}: ${clean(typeof value === 'string' ? value : value.label)}`);
        }
        out.push('');
        break;
      case 'list':
        for (const item of block.items) out.push(`- ${clean(item)}`);
        out.push('');
        break;
      case 'link':
        out.push(`${clean(block.link.label)}:`, clean(block.link.href), '');
        break;
      case 'rendered':
        out.push(...block.text);
        break;
    }
  }
  return out;
}

export const anchor = (link: Link) => `<a href="${escapeHtml(link.href)}">${escapeHtml(clean(link.label))}</a>`;

function htmlOf(block: Block): string {
  switch (block.type) {
    case 'title':
      return `<h1 style="font-size:1.4em">${escapeHtml(clean(block.text))}</h1>`;
    case 'heading':
      return `<h2 style="font-size:1.15em;margin-top:1.5em">${escapeHtml(clean(block.text))}</h2>`;
    case 'paragraph':
      return `<p>${escapeHtml(clean(block.text))}</p>`;
    case 'facts':
      return [
        '<dl>',
        ...block.rows.map(
          ([label, value]) =>
            `<dt style="font-weight:bold">${escapeHtml(label)}</dt>` +
            `<dd style="margin:0 0 0.6em 0">${typeof value === 'string' ? escapeHtml(clean(value)) : anchor(value)}</dd>`,
        ),
        '</dl>',
      ].join('\n');
    case 'list':
      return ['<ul>', ...block.items.map((item) => `<li>${escapeHtml(clean(item))}</li>`), '</ul>'].join('\n');
    case 'link':
      return `<p style="font-size:1.1em"><strong>${anchor(block.link)}</strong></p>`;
    case 'rendered':
      return block.html.join('\n');
  }
}

export function renderHtml(title: string, blocks: Block[]): string {
  const body = blocks.map(htmlOf);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(clean(title))}</title>`,
    '</head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c;max-width:40em;margin:0 auto;padding:1em">',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Every message ends so: no replies, call 101, keep it confidential. */
export const FOOTER: Block = {
  type: 'paragraph',
  text: 'This is an automatic message from Operation Endeavor. Please do not reply: call the police on 101 with any information. Keep it confidential and delete it when it is no longer needed.',
};
