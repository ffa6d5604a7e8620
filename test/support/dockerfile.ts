/**
 * A small Dockerfile reader and a replay of its build without Docker (no engine exists here).
 *
 * Parsing covers what tourniquet's Dockerfile uses: global ARGs, FROM … AS, WORKDIR, COPY [--from],
 * RUN (flags such as --mount dropped), ENV, VOLUME, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD;
 * line continuations and comments as Docker reads them. Anything else is an error, so the file
 * cannot grow an instruction the replay silently ignores.
 *
 * The replay gives each stage its own root directory: image paths (WORKDIRs, VOLUMEs) map into it,
 * in COPY destinations, RUN commands and ENV values. COPY from the build context honours
 * .dockerignore (last matching pattern wins, a pattern that matches a parent matches its contents,
 * as moby's patternmatcher does). RUN commands run with /bin/sh -c as Docker runs them, with the
 * stage's ENV over the host's (the base image's tools are the host's: its node and npm). What the
 * replay cannot do: switch the base image (the host's Node stands in for it), and give files away
 * when not root (then chown is a no-op; ownership is checked statically).
 */
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

export interface Instruction {
  op: string;
  flags: Record<string, string>;
  /** The arguments after the flags, as written (continuations joined). */
  args: string;
  /** JSON (exec) form, when the arguments are a JSON array. */
  exec?: string[];
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  steps: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

const KNOWN = new Set([
  'FROM',
  'ARG',
  'WORKDIR',
  'COPY',
  'RUN',
  'ENV',
  'VOLUME',
  'USER',
  'EXPOSE',
  'HEALTHCHECK',
  'ENTRYPOINT',
  'CMD',
]);

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let s = rest.trimStart();
  for (let m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(s); m; m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(s)) {
    flags[m[1]!] = m[2] ?? 'true';
    s = s.slice(m[0].length);
  }
  return { flags, args: s.trim() };
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const v: unknown = JSON.parse(args);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`bad exec form: ${args}`);
  return v;
}

export function parseDockerfile(text: string): Dockerfile {
  const df: Dockerfile = { args: {}, stages: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      i++;
      if (!/^\s*#/.test(lines[i]!)) line += ' ' + lines[i]!.trim();
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(line)!;
    const op = m[1]!.toUpperCase();
    if (!KNOWN.has(op)) throw new Error(`line ${start + 1}: ${op} is not supported by the replay`);
    const { flags, args } =
      op === 'HEALTHCHECK' || op === 'COPY' || op === 'RUN'
        ? splitFlags(m[2]!)
        : { flags: {}, args: m[2]!.trim() };
    const ins: Instruction = { op, flags, args, line: start + 1 };
    if (op === 'HEALTHCHECK') {
      const cmd = /^CMD\s+(.*)$/s.exec(args);
      if (cmd) ins.exec = execForm(cmd[1]!.trim()) ?? ['/bin/sh', '-c', cmd[1]!.trim()];
    } else if (op === 'ENTRYPOINT' || op === 'CMD' || op === 'RUN') {
      const exec = execForm(args);
      if (exec) ins.exec = exec;
    }
    const stage = df.stages.at(-1);
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`line ${start + 1}: bad FROM`);
      const from = f[1]!.replace(/\$\{?(\w+)\}?/g, (_, n: string) => df.args[n] ?? '');
      df.stages.push({ name: f[2] ?? String(df.stages.length), from, steps: [] });
    } else if (!stage) {
      if (op !== 'ARG') throw new Error(`line ${start + 1}: ${op} before FROM`);
      const [name, value = ''] = args.split('=', 2);
      df.args[name!] = value;
    } else stage.steps.push(ins);
  }
  return df;
}

/** ENV pairs (`K=v K2="v 2"`, or the legacy `K v`). */
export function envPairs(args: string): Record<string, string> {
  if (!/^\w+=/.test(args)) {
    const [k, ...v] = args.split(/\s+/);
    return { [k!]: v.join(' ') };
  }
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

/** A .dockerignore matcher: true when the context path (slash-separated, relative) is excluded. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pat = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/+$/, '');
      const re = pat
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) =>
          part === '**/'
            ? '(?:.*/)?'
            : part === '**'
              ? '.*'
              : part === '*'
                ? '[^/]*'
                : part === '?'
                  ? '[^/]'
                  : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.negate;
    return excluded;
  };
}

export interface ReplayedStage {
  name: string;
  /** The stage's root directory: image path `/x` is `root + /x`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  volumes: string[];
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: string[];
}

export interface ReplayOptions {
  context: string;
  /** Where stage roots are made (the caller removes it). */
  workspace: string;
  /** Replaces one RUN step (returns true when it did), e.g. a reuse of already installed packages. */
  substitute?: (cmd: string, cwd: string) => Promise<boolean>;
  /** Host environment for RUN steps (the stage's ENV goes over it). */
  hostEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${cmd} exited ${code}:\n${out}`)),
    );
  });
}

/** Copies a context file or directory, leaving out what .dockerignore excludes. */
async function copyFromContext(context: string, rel: string, dest: string, ignored: (p: string) => boolean) {
  const norm = posix.normalize(rel).replace(/^\.\/|\/+$/g, '');
  if (ignored(norm)) throw new Error(`COPY ${rel}: excluded by .dockerignore`);
  const src = join(context, norm);
  const st = await stat(src);
  if (st.isFile()) {
    await mkdir(dirname(dest), { recursive: true });
    await cp(src, dest);
    return;
  }
  await mkdir(dest, { recursive: true });
  for (const e of await readdir(src)) {
    if (ignored(`${norm}/${e}`)) continue;
    await copyFromContext(context, `${norm}/${e}`, join(dest, e), ignored);
  }
}

export async function replay(df: Dockerfile, opts: ReplayOptions): Promise<Map<string, ReplayedStage>> {
  const ignored = dockerignore(await readFile(join(opts.context, '.dockerignore'), 'utf8').catch(() => ''));
  const done = new Map<string, ReplayedStage>();
  // Not root: files cannot be given away, so chown becomes a no-op (ownership is checked statically).
  const shim = await mkdtemp(join(opts.workspace, 'shim-'));
  if (process.getuid?.() !== 0) {
    await writeFile(join(shim, 'chown'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  try {
    await replayStages(df, opts, ignored, shim, done);
  } finally {
    await rm(shim, { recursive: true, force: true });
  }
  return done;
}

async function replayStages(
  df: Dockerfile,
  opts: ReplayOptions,
  ignored: (p: string) => boolean,
  shim: string,
  done: Map<string, ReplayedStage>,
): Promise<void> {
  for (const stage of df.stages) {
    if (done.has(stage.from)) throw new Error(`FROM another stage (${stage.from}) is not replayed`);
    const root = await mkdtemp(join(opts.workspace, `${stage.name}-`));
    await chmod(root, 0o755);
    const imagePaths = stage.steps
      .flatMap((s) =>
        s.op === 'WORKDIR' ? [s.args] : s.op === 'VOLUME' ? (s.exec ?? s.args.split(/\s+/)) : [],
      )
      .filter((p) => p.startsWith('/'))
      .sort((a, b) => b.length - a.length);
    const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const mapPaths = (s: string) =>
      imagePaths.reduce(
        (acc, p) => acc.replace(new RegExp(`(^|[\\s"'=:])${esc(p)}(?=$|[/\\s"'])`, 'g'), `$1${root}${p}`),
        s,
      );
    const st: ReplayedStage = { name: stage.name, root, workdir: '/', env: {}, volumes: [] };
    const abs = (p: string) => posix.resolve(st.workdir, p);
    for (const step of stage.steps) {
      opts.log?.(`[${stage.name}] ${step.op} ${step.args}`);
      switch (step.op) {
        case 'WORKDIR':
          st.workdir = abs(step.args);
          await mkdir(root + st.workdir, { recursive: true });
          break;
        case 'ENV':
          for (const [k, v] of Object.entries(envPairs(step.args))) st.env[k] = v;
          break;
        case 'COPY': {
          const parts = step.exec ?? step.args.split(/\s+/);
          const dest = parts.pop()!;
          const into = dest.endsWith('/') || parts.length > 1;
          for (const src of parts) {
            const target = root + (into ? posix.join(abs(dest), posix.basename(src)) : abs(dest));
            const from = step.flags.from;
            if (from) {
              const other = done.get(from);
              if (!other) throw new Error(`COPY --from=${from}: no such stage`);
              await cp(other.root + posix.resolve(other.workdir, src), target, { recursive: true });
            } else await copyFromContext(opts.context, src, target, ignored);
          }
          break;
        }
        case 'RUN': {
          const cmd = step.exec ? step.exec.join(' ') : step.args;
          const cwd = root + st.workdir;
          if (await opts.substitute?.(cmd, cwd)) break;
          const host = opts.hostEnv ?? process.env;
          const env = { ...host, ...mapEnv(st.env, mapPaths), PATH: `${shim}:${host.PATH ?? ''}` };
          await sh(mapPaths(cmd), cwd, env);
          break;
        }
        case 'VOLUME':
          st.volumes.push(...(step.exec ?? step.args.split(/\s+/)));
          break;
        case 'USER':
          st.user = step.args;
          break;
        case 'ENTRYPOINT':
          st.entrypoint = step.exec ?? ['/bin/sh', '-c', step.args];
          break;
        case 'CMD':
          st.cmd = step.exec ?? ['/bin/sh', '-c', step.args];
          break;
        case 'HEALTHCHECK':
          if (step.exec) st.healthcheck = step.exec;
          break;
        case 'EXPOSE':
          break;
        default:
          throw new Error(`${step.op} is not replayed`);
      }
    }
    st.env = mapEnv(st.env, mapPaths);
    done.set(stage.name, st);
  }
}

function mapEnv(env: Record<string, string>, map: (s: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map(v)]));
}
