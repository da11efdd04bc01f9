// Two more routes for the benchmark peer (../shared/peer), so bench/compare
// can measure knowledge search and the memory list against it too: our own
// code, written the way the peer is (Express 5 + mysql2, one query per
// route, no cache). bench/peer copies the peer to a temporary directory at
// run time, puts this file next to its server.js and starts the peer with
// this file as the entry point. Not part of Nexus.
//
//   node peer-routes.js seed   tables and rows (after the peer's seed.js): 100
//                              knowledge entities, 3 days x 2 memories per agent;
//                              adds "extras" to the fixture ($PEER_FIXTURE)
//   node peer-routes.js        the peer's server.js with these routes added
//
// Routes (agent token as for the peer's own routes):
//   GET /api/knowledge?query=&kind=    entities, best match first (FULLTEXT, boolean mode, prefixes)
//   GET /api/memories/list[?agent=&date=&from=&to=]   the agent's memory files, newest day first
//   GET /healthz                       {"status":"ok"} without the database
//
// The fixture data comes from the same generators as bench/compare's
// (entity(), memoryContent()): both sides hold the same rows.
'use strict';
const fs = require('node:fs');

const KINDS = ['server', 'domain', 'infrastructure', 'project', 'agent'];
const WORDS = ['aurora', 'borealis', 'cobalt', 'dynamo', 'ember', 'falcon', 'glacier', 'harbor', 'indigo', 'juniper'];
const FILLER = 'Notes: this entity is part of the benchmark fixture. It stands for a host, a domain ' +
  'or a project, with a paragraph about what it runs, who owns it and how to reach it.';
const ENTITIES = 100;
const MEMORY_DAYS = ['2026-01-01', '2026-01-02', '2026-01-03'];
const MEMORY_ENTRIES = 2;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS knowledge (
     id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(32) NOT NULL, name VARCHAR(128) NOT NULL,
     title VARCHAR(200) NOT NULL, content MEDIUMTEXT NOT NULL, spec JSON NOT NULL, tags JSON NOT NULL,
     links JSON NOT NULL, version INT NOT NULL DEFAULT 1,
     created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
     updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
     UNIQUE KEY (kind, name), FULLTEXT KEY ft (name, title, content)) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS memories (
     id BIGINT AUTO_INCREMENT PRIMARY KEY, agent_slug VARCHAR(63) NOT NULL, day DATE NOT NULL,
     content MEDIUMTEXT NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
     INDEX (agent_slug, day)) ENGINE=InnoDB`,
];

function entity(i) {
  const kind = KINDS[i % KINDS.length];
  const w1 = WORDS[i % WORDS.length], w2 = WORDS[(i + 3) % WORDS.length];
  return {
    kind, name: 'bench-' + i, title: `Bench ${kind} ${i}`,
    content: `Bench entity ${i} runs ${w1} next to ${w2}.\n\n${FILLER}\n`,
    spec: { host: `bench-${i}.lan`, owner: 'team-' + (i % 4) }, tags: ['bench', w1], links: [],
  };
}

function memoryContent(slug, day, n) {
  return `Bench memory of ${slug} on ${day}, entry ${n}: the deploy went fine, the cache was warm, ` +
    'nothing to follow up. ' + 'x'.repeat(80);
}

// "oll gpu" -> "+oll* +gpu*": every word, as a prefix.
function booleanQuery(text) {
  const words = String(text).match(/[\p{L}\p{N}_]+/gu) || [];
  return words.map((w) => `+${w}*`).join(' ');
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const iso = (d) => (d instanceof Date ? d.toISOString() : d);

function install(app, { pool, principal, fail }) {
  app.get('/healthz', (req, res) => res.json({ status: 'ok' }));

  app.get('/api/knowledge', async (req, res) => {
    const p = await principal(req);
    if (!p) return fail(res, 401, 'unauthorized', 'token required');
    const where = [], args = [];
    let order = 'kind, name', select = '';
    if (req.query.kind) {
      const kinds = String(req.query.kind).split(',');
      if (kinds.some((k) => !KINDS.includes(k))) return fail(res, 400, 'bad_request', 'kind: one of ' + KINDS.join(', '));
      where.push(`kind IN (${kinds.map(() => '?').join(',')})`);
      args.push(...kinds);
    }
    if (req.query.query) {
      const q = booleanQuery(req.query.query);
      if (!q) return res.json([]);
      select = ', MATCH(name, title, content) AGAINST (? IN BOOLEAN MODE) AS score';
      where.push('MATCH(name, title, content) AGAINST (? IN BOOLEAN MODE)');
      args.unshift(q);
      args.push(q);
      order = 'score DESC, kind, name';
    }
    const limit = Math.min(Math.max(parseInt(req.query.limit, 10) || 100, 1), 1000);
    const [rows] = await pool.query(
      `SELECT kind, name, title, content, spec, tags, links, version, created_at, updated_at${select} FROM knowledge` +
      (where.length ? ' WHERE ' + where.join(' AND ') : '') + ` ORDER BY ${order} LIMIT ${limit}`, args);
    res.json(rows.map((r) => ({
      kind: r.kind, name: r.name, title: r.title, content: r.content, spec: r.spec, tags: r.tags, links: r.links,
      version: r.version, created_at: iso(r.created_at), updated_at: iso(r.updated_at),
    })));
  });

  app.get('/api/memories/list', async (req, res) => {
    const p = await principal(req);
    if (!p) return fail(res, 401, 'unauthorized', 'token required');
    const agent = req.query.agent || p.slug;
    if (!p.admin && agent !== p.slug) return fail(res, 403, 'forbidden', 'not your memories');
    const where = [], args = [];
    if (agent) { where.push('agent_slug = ?'); args.push(agent); }
    for (const [param, cond] of [['date', 'day = ?'], ['from', 'day >= ?'], ['to', 'day <= ?']]) {
      if (req.query[param] === undefined) continue;
      if (!DAY.test(req.query[param])) return fail(res, 400, 'bad_request', param + ': YYYY-MM-DD');
      where.push(cond);
      args.push(req.query[param]);
    }
    const [rows] = await pool.execute(
      "SELECT agent_slug, DATE_FORMAT(day, '%Y-%m-%d') AS day, COUNT(*) AS entries, SUM(LENGTH(content)) AS bytes, " +
      'MAX(created_at) AS updated_at FROM memories' + (where.length ? ' WHERE ' + where.join(' AND ') : '') +
      ' GROUP BY agent_slug, day ORDER BY day DESC, agent_slug LIMIT 100', args);
    res.json(rows.map((r) => ({
      agent: r.agent_slug, date: r.day, entries: Number(r.entries), bytes: Number(r.bytes), updated_at: iso(r.updated_at),
    })));
  });
}

async function seed() {
  const mysql = require('mysql2/promise');
  const path = process.env.PEER_FIXTURE || '/tmp/peer-fixture.json';
  const fixture = JSON.parse(fs.readFileSync(path, 'utf8'));
  const db = await mysql.createConnection({
    socketPath: process.env.PEER_DB_SOCKET, user: process.env.PEER_DB_USER || 'root',
    database: process.env.PEER_DB_NAME || 'peer',
  });
  for (const sql of SCHEMA) await db.query(sql);
  await db.query('DELETE FROM knowledge');
  await db.query('DELETE FROM memories');
  for (let i = 0; i < ENTITIES; i++) {
    const e = entity(i);
    await db.execute('INSERT INTO knowledge (kind, name, title, content, spec, tags, links) VALUES (?,?,?,?,?,?,?)',
      [e.kind, e.name, e.title, e.content, JSON.stringify(e.spec), JSON.stringify(e.tags), JSON.stringify(e.links)]);
  }
  for (const { slug } of fixture.tokens) {
    for (const day of MEMORY_DAYS) {
      for (let n = 1; n <= MEMORY_ENTRIES; n++) {
        await db.execute('INSERT INTO memories (agent_slug, day, content) VALUES (?,?,?)', [slug, day, memoryContent(slug, day, n)]);
      }
    }
  }
  await db.end();
  fixture.extras = { scenarios: ['knowledge-search', 'memory-list', 'healthz'], knowledge_words: WORDS };
  fs.writeFileSync(path, JSON.stringify(fixture) + '\n', { mode: 0o600 });
  fs.chmodSync(path, 0o600);   // the fixture holds tokens
}

module.exports = { install, entity, memoryContent };

if (require.main === module) {
  if (process.argv[2] === 'seed') {
    seed().catch((e) => { console.error('peer-routes seed:', e.message); process.exit(1); });
  } else {
    // server.js forks its workers from here (cluster re-runs this file) and
    // returns early in the primary, exporting nothing; in each worker it
    // builds the app, listens and exports what bench/peer added to its
    // module.exports. The routes are added before the first request can run.
    const peer = require('./server.js');
    if (peer.app) install(peer.app, peer);
  }
}
