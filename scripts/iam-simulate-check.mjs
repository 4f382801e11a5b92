#!/usr/bin/env node
// Compares Tenet's per-action TLS verdicts with an independent IAM policy simulator,
// @cloud-copilot/iam-simulate (pinned in scripts/package.json; a CI tool only, not shipped).
//
// For every AWS managed policy in $TENET_CORPUS/aws-managed and every policy (managed default
// version or inline) in the account-export fixtures under crates/tenet/tests/fixtures, and for
// each of the nine access-key actions, both answer: "is this action allowed by this policy alone
// when aws:SecureTransport is false?". The simulator gets a concrete request: principal and
// resource arn:aws:iam::111122223333:user/example for IAM actions, a Lightsail bucket ARN for the
// bucket actions, `*` for actions that accept no resource type, context
// {aws:SecureTransport: "false"} and nothing else.
//
// Disagreements must be listed in scripts/iam-simulate-exceptions.tsv (policy, action, Tenet's
// verdict, the simulator's, reason). Exit status: 0 when every disagreement is listed and every
// listed exception still disagrees; 1 otherwise; 2 on setup errors.
//
//   npm ci --prefix scripts && node scripts/iam-simulate-check.mjs
//   TENET_VERDICTS=target/debug/examples/verdicts node scripts/iam-simulate-check.mjs

import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const corpus = process.env.TENET_CORPUS ?? join(root, '..', 'shared', 'corpus')
const ACCOUNT = '111122223333'
const USER = `arn:aws:iam::${ACCOUNT}:user/example`
const BUCKET = `arn:aws:lightsail:us-east-1:${ACCOUNT}:Bucket/example`
const ACTIONS = [
  'iam:CreateAccessKey',
  'iam:DeleteAccessKey',
  'iam:GetAccessKeyLastUsed',
  'iam:ListAccessKeys',
  'iam:UpdateAccessKey',
  'lightsail:CreateBucketAccessKey',
  'lightsail:DeleteBucketAccessKey',
  'lightsail:GetBucketAccessKeys',
  'sts:GetAccessKeyInfo'
]

function fail(msg) {
  console.error(`error: ${msg}`)
  process.exit(2)
}

// ---- the policies -------------------------------------------------------------------------

/** A GAAD document as the export writes it: object, JSON text, or percent-encoded JSON text. */
function decodeDocument(d) {
  if (typeof d !== 'string') return d
  return JSON.parse(d.startsWith('{') ? d : decodeURIComponent(d))
}

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* walk(p)
    else if (name.endsWith('.json')) yield p
  }
}

function policies() {
  const out = []
  const managed = join(corpus, 'aws-managed')
  if (!existsSync(managed)) fail(`no AWS managed policies at ${managed} (set TENET_CORPUS)`)
  for (const name of readdirSync(managed).sort()) {
    if (!name.endsWith('.json')) continue
    out.push({
      id: `aws-managed/${name.replace(/\.json$/, '')}`,
      document: JSON.parse(readFileSync(join(managed, name), 'utf8'))
    })
  }
  const fixtures = join(root, 'crates', 'tenet', 'tests', 'fixtures')
  for (const file of walk(fixtures)) {
    let data
    try {
      data = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue // malformed inputs are fixtures for error messages
    }
    const rel = relative(root, file)
    for (const page of Array.isArray(data) ? data : [data]) {
      if (page === null || typeof page !== 'object') continue
      for (const p of page.Policies ?? []) {
        const v = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion)
        if (v?.Document == null) continue
        out.push({ id: `${rel}#${p.Arn}`, document: decodeDocument(v.Document) })
      }
      for (const [list, key] of [
        ['UserDetailList', 'UserPolicyList'],
        ['GroupDetailList', 'GroupPolicyList'],
        ['RoleDetailList', 'RolePolicyList']
      ]) {
        for (const ident of page[list] ?? []) {
          for (const p of ident[key] ?? []) {
            if (p.PolicyDocument == null) continue
            out.push({
              id: `${rel}#${ident.Arn}/inline/${p.PolicyName}`,
              document: decodeDocument(p.PolicyDocument)
            })
          }
        }
      }
    }
  }
  return out
}

// ---- Tenet's verdicts -----------------------------------------------------------------------

function tenetVerdicts(items) {
  const input = items.map((p) => JSON.stringify({ id: p.id, document: p.document })).join('\n')
  const bin = process.env.TENET_VERDICTS
  const [cmd, args] = bin
    ? [bin, []]
    : ['cargo', ['run', '--quiet', '--locked', '-p', 'tenet-iam', '--example', 'verdicts']]
  const r = spawnSync(cmd, args, {
    cwd: root,
    input,
    maxBuffer: 1 << 28,
    stdio: ['pipe', 'pipe', 'inherit']
  })
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`)
  const byId = new Map()
  for (const line of r.stdout.toString().split('\n')) {
    if (!line.trim()) continue
    const v = JSON.parse(line)
    byId.set(v.id, v)
  }
  return byId
}

// ---- the simulator ------------------------------------------------------------------------

const resources = new Map()

async function simulate(document, action) {
  const run = (resource) =>
    runSimulation(
      {
        identityPolicies: [{ name: 'policy', policy: document }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: USER,
          resource: { accountId: ACCOUNT, resource },
          contextVariables: { 'aws:SecureTransport': 'false' }
        }
      },
      {}
    )
  // Actions without resource types must be simulated on `*`; learn that once per action.
  let resource = resources.get(action) ?? (action.startsWith('lightsail:') ? BUCKET : USER)
  let r = await run(resource)
  if (r.resultType === 'error' && JSON.stringify(r.errors).includes('must.use.wildcard')) {
    resource = '*'
    r = await run(resource)
  }
  resources.set(action, resource)
  if (r.resultType === 'error') return `error: ${JSON.stringify(r.errors).slice(0, 200)}`
  return r.overallResult === 'Allowed' ? 'allowed' : 'denied'
}

// ---- exceptions -----------------------------------------------------------------------------

function exceptions() {
  const file = join(root, 'scripts', 'iam-simulate-exceptions.tsv')
  const out = new Map()
  const lines = readFileSync(file, 'utf8').split('\n')
  lines.forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return
    const cols = line.split('\t')
    if (cols.length !== 5 || !cols[4].trim())
      fail(`${file}:${i + 1}: expected policy, action, tenet, simulator, reason (tab-separated)`)
    const [policy, action, tenet, simulator, reason] = cols
    out.set(`${policy}\t${action}`, { tenet, simulator, reason, line: i + 1, seen: false })
  })
  return out
}

// ---- main ---------------------------------------------------------------------------------

const items = policies()
const tenet = tenetVerdicts(items)
const listed = exceptions()
let compared = 0
let agreed = 0
let excepted = 0
const unlisted = []
const counts = { managed: 0, fixtures: 0 }
for (const p of items) {
  counts[p.id.startsWith('aws-managed/') ? 'managed' : 'fixtures'] += 1
  const t = tenet.get(p.id)
  if (!t) fail(`no Tenet verdict for ${p.id}`)
  for (const action of ACTIONS) {
    compared += 1
    const mine = t.unknown.includes(action)
      ? 'unknown'
      : t.allowedWithoutTls.includes(action)
        ? 'allowed'
        : 'denied'
    const theirs = await simulate(p.document, action)
    if (mine === theirs) {
      agreed += 1
      continue
    }
    const ex = listed.get(`${p.id}\t${action}`)
    if (ex && ex.tenet === mine && ex.simulator === theirs) {
      ex.seen = true
      excepted += 1
    } else {
      unlisted.push(`${p.id}\t${action}\t${mine}\t${theirs}`)
    }
  }
}
const stale = [...listed.entries()].filter(([, e]) => !e.seen)
const pct = (n) => ((100 * n) / compared).toFixed(2)
console.log(
  `iam-simulate: ${items.length} policies (${counts.managed} AWS managed, ${counts.fixtures} from fixtures) x ${ACTIONS.length} actions = ${compared} verdicts`
)
console.log(
  `  agree ${agreed} (${pct(agreed)}%), documented exceptions ${excepted} (${pct(excepted)}%), unlisted disagreements ${unlisted.length}`
)
for (const u of unlisted) console.log(`  DISAGREE\t${u}`)
for (const [key, e] of stale)
  console.log(`  STALE exception (line ${e.line}): ${key} no longer disagrees as listed`)
process.exit(unlisted.length || stale.length ? 1 : 0)
