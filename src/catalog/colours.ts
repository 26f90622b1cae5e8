import { builtinPriorities, builtinStatuses } from '../setup/initial-data';

/** Only `#rrggbb`: anything else (names, `url(…)`, `;}`) could not be trusted inside CSS. */
export const hexColour = /^#[0-9a-f]{6}$/;
const safeKey = /^[a-z0-9_]{1,32}$/;

type Rgb = [number, number, number];
const toRgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const toHex = (rgb: Rgb) =>
  `#${rgb
    .map((c) =>
      Math.round(Math.min(255, Math.max(0, c)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
const mix = (a: Rgb, b: Rgb, share: number): Rgb => a.map((c, i) => c * share + b[i]! * (1 - share)) as Rgb;

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const [l1, l2] = [luminance(toRgb(a)), luminance(toRgb(b))].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}

/**
 * An admin's colour made readable on a background: moved step by step towards black (light
 * theme) or white (dark theme) until the text reaches 4.5:1, so any chosen colour stays legible.
 */
export function readableOn(colour: string, background: string): string {
  const target: Rgb = luminance(toRgb(background)) > 0.4 ? [0, 0, 0] : [255, 255, 255];
  for (let share = 1; share >= 0; share -= 0.05) {
    const candidate = toHex(mix(toRgb(colour), target, share));
    if (contrast(candidate, background) >= 4.5) return candidate;
  }
  return toHex(target);
}

/** Badge colours for one theme: a soft tint of the colour behind text in a readable shade of it. */
export function badgeColours(colour: string, surface: string): { fg: string; bg: string } {
  const bg = toHex(mix(toRgb(colour), toRgb(surface), 0.14));
  return { fg: readableOn(colour, bg), bg };
}

const lightSurface = '#ffffff';
const darkSurface = '#161b22';
const defaultColour = new Map<string, string>([
  ...builtinStatuses.map((s) => [`status:${s.key}`, s.color] as const),
  ...builtinPriorities.map((p) => [`priority:${p.key}`, p.color] as const),
]);

/**
 * The stylesheet for status and priority badges. Built-in statuses keep the hand-tuned colours
 * of tessera.css until an admin recolours them; every other one gets a rule from its colour.
 */
export function badgeCss(
  statuses: Array<{ key: string; color: string }>,
  priorities: Array<{ key: string; color: string }>,
): string {
  const light: string[] = [];
  const dark: string[] = [];
  const add = (attribute: string, kind: string, item: { key: string; color: string }) => {
    const colour = item.color.toLowerCase();
    if (!safeKey.test(item.key) || !hexColour.test(colour)) return;
    if (kind === 'status' && defaultColour.get(`${kind}:${item.key}`) === colour) return;
    const l = badgeColours(colour, lightSurface);
    const d = badgeColours(colour, darkSurface);
    const selector = `.badge[${attribute}="${item.key}"]`;
    light.push(`${selector} { --badge-fg: ${l.fg}; --badge-bg: ${l.bg}; }`);
    dark.push(`  ${selector} { --badge-fg: ${d.fg}; --badge-bg: ${d.bg}; }`);
  };
  for (const s of statuses) add('data-status', 'status', s);
  for (const p of priorities) add('data-priority', 'priority', p);
  if (!light.length) return '/* no custom colours */\n';
  return `${light.join('\n')}\n@media (prefers-color-scheme: dark) {\n${dark.join('\n')}\n}\n`;
}
