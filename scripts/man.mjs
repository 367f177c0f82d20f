// Generates the man pages in man/ from the README's sections (marked-man renders the markdown
// to roff), so the pages and the README never disagree: `npm run build` (and so `npm pack`)
// writes them, `node scripts/man.mjs --check` exits 1 naming every page that differs from what
// the README gives (the test suite runs it). `--readme FILE` reads another README (for that test).
import markedMan from 'marked-man';
import {Marked} from 'marked';
import {mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const root = new URL('..', import.meta.url).pathname;

const CHAIN_LOADERS = ['setuidgid', 'envuidgid', 'envdir', 'softlimit', 'setlock', 'pgrphack', 'fghack'];
const FRONT_ENDS = ['svcstart', 'svcstop', 'svcreset', 'svcrestart'];
const SHARED = 'Conventions shared by every command';

/**
 * Every page: its name, section, one-line description, and the README headings (their text
 * after the #s) whose sections make it up, in order. Section 8 for the daemontools commands,
 * as Debian's daemontools has them.
 */
const PAGES = [
  {
    name: 'keepup',
    section: 1,
    description: 'keep Unix services running: a cron watchdog and a daemontools-compatible supervisor',
    headings: [
      'Check mode: `keepup check` and `keepup cron`',
      '!Config keys',
      '!Health checks, readiness, start order',
      'keepup supervise, keepup status',
      'Restart policy, events and notifications',
      '!Restart policy',
      'Metrics, status page and a fleet',
      'Running under init: systemd, inittab, containers',
      SHARED,
    ],
  },
  {
    name: 'watchdog.config.yaml',
    section: 5,
    description: "keepup's config file",
    headings: ['Config keys', 'Health checks, readiness, start order', 'Restart policy'],
  },
  {name: 'supervise', section: 8, description: 'start a service and keep it running', headings: ['supervise', SHARED]},
  {name: 'svc', section: 8, description: 'control a supervised service', headings: ['svc', SHARED]},
  {name: 'svstat', section: 8, description: 'print the status of supervised services', headings: ['svstat', SHARED]},
  {name: 'svok', section: 8, description: 'check whether supervise is running', headings: ['svok', SHARED]},
  ...['svscan', 'svscanboot', 'readproctitle'].map((name) => ({
    name,
    section: 8,
    description: {svscan: 'start and supervise a collection of services', svscanboot: 'start svscan at boot', readproctitle: 'show errors in the process list'}[name],
    headings: ['svscan, svscanboot, readproctitle', SHARED],
  })),
  {name: 'multilog', section: 8, description: 'read a log and write it to rotated log directories', headings: ['multilog', SHARED]},
  {name: 'tai64n', section: 8, description: 'put TAI64N timestamps on lines', headings: ['tai64n', SHARED]},
  {name: 'tai64nlocal', section: 8, description: 'convert TAI64N timestamps to local time', headings: ['tai64nlocal', SHARED]},
  ...CHAIN_LOADERS.map((name) => ({
    name,
    section: 8,
    description: `chain-loader: ${name} then run a program`,
    headings: ['Chain-loaders and service front-ends', '!Service front-ends: svcstart, svcstop, svcreset, svcrestart', SHARED],
    only: name,
  })),
  ...FRONT_ENDS.map((name) => ({
    name,
    section: 8,
    description: 'start, stop, reset or restart a supervised service and wait for the outcome',
    headings: ['Service front-ends: svcstart, svcstop, svcreset, svcrestart', SHARED],
  })),
];

/** The README split into its headings: [{level, title, start, end}] with line ranges (end: the next heading of the same or a higher level). */
function sections(lines) {
  const found = [];
  let fenced = false;
  lines.forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    const match = !fenced && /^(#{1,6}) (.*)$/.exec(line);
    if (match) found.push({level: match[1].length, title: match[2], start: index});
  });
  for (const [i, section] of found.entries()) {
    const next = found.slice(i + 1).find((other) => other.level <= section.level);
    section.end = next ? next.start : lines.length;
  }
  return found;
}

/** The markdown of one page: its sections, each raised or lowered so that it is a man section (##). */
function pageMarkdown(page, lines, all) {
  const out = [`# ${page.name}(${page.section}) -- ${page.description}`, ''];
  const find = (title) => {
    const section = all.find((candidate) => candidate.title === title);
    if (!section) throw new Error(`README: no section "${title}" (for ${page.name}.${page.section})`);
    return section;
  };
  const skipped = page.headings.filter((title) => title.startsWith('!')).map((title) => find(title.slice(1)));
  for (const title of page.headings.filter((heading) => !heading.startsWith('!'))) {
    const section = find(title);
    for (let index = section.start; index < section.end; index++) {
      if (skipped.some((skip) => index >= skip.start && index < skip.end)) continue;
      let line = lines[index];
      const heading = /^(#{1,6}) (.*)$/.exec(line);
      if (heading && all.some((candidate) => candidate.start === index)) line = `${'#'.repeat(Math.min(3, 2 + heading[1].length - section.level))} ${heading[2]}`;
      // A chain-loader's page keeps only its own row of the commands table.
      if (page.only && new RegExp(`^\\| \`(${CHAIN_LOADERS.join('|')}) `).test(line) && !line.startsWith(`| \`${page.only} `)) continue;
      out.push(line);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Every page as [file name, roff text]. */
export function manPages(readme, version) {
  const lines = readme.split('\n');
  const all = sections(lines);
  return PAGES.map((page) => {
    const marked = new Marked(markedMan);
    marked.setOptions({name: page.name, section: String(page.section), manVersion: `keepup ${version}`, manual: 'keepup', date: 0, breaks: false});
    // No date in the header: the pages must come out the same from the same README.
    const roff = marked.parse(pageMarkdown(page, lines, all)).replace(/^(\.TH "[^"]*" "[^"]*" )"[^"]*"/m, '$1""');
    return [`${page.name}.${page.section}`, roff];
  });
}

const args = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  const readmeAt = args.indexOf('--readme');
  const readme = readFileSync(readmeAt >= 0 ? args[readmeAt + 1] : join(root, 'README.md'), 'utf8');
  const {version} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const pages = manPages(readme, version);
  const dir = join(root, 'man');
  if (args.includes('--check')) {
    const stale = pages.filter(([file, roff]) => {
      try {
        return readFileSync(join(dir, file), 'utf8') !== roff;
      } catch {
        return true;
      }
    });
    const extra = readdirSync(dir).filter((file) => !pages.some(([name]) => name === file));
    for (const [file] of stale) console.error(`man/${file}: not what the README gives (run npm run build)`);
    for (const file of extra) console.error(`man/${file}: no page of that name is generated`);
    process.exit(stale.length + extra.length === 0 ? 0 : 1);
  }
  rmSync(dir, {recursive: true, force: true});
  mkdirSync(dir);
  for (const [file, roff] of pages) writeFileSync(join(dir, file), roff);
}
