// Drives a fresh, uninitialized Arcanum with two real Node.js Vault clients, unchanged:
// node-vault 0.12.0 and hashi-vault-js 0.5.1. Run by io.arcanum.compat.NodeClientsCompatTest
// (after `npm ci`) with ARCANUM_ADDR (https://host:port) and ARCANUM_CACERT (PEM file).
// Prints one line per step; exits 1 at the first step that fails, naming it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import Vault from 'hashi-vault-js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');

const addr = process.env.ARCANUM_ADDR;
const caFile = process.env.ARCANUM_CACERT;
if (!addr || !caFile) {
  console.error('set ARCANUM_ADDR and ARCANUM_CACERT');
  process.exit(2);
}
const ca = fs.readFileSync(caFile);

let step = '';
function check(condition, what) {
  if (!condition) {
    throw new Error(`${step}: ${what}`);
  }
}
async function run(name, fn) {
  step = name;
  await fn();
  console.log(`ok ${name}`);
}
async function eventually(fn, tries = 50) {
  let last;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}
function status(e) {
  return e?.response?.statusCode ?? e?.response?.status ?? e?.status;
}

const nv = nodeVault({ endpoint: addr, apiVersion: 'v1', requestOptions: { ca } });
const hv = new Vault({ https: true, cacert: caFile, baseUrl: `${addr}/v1`, rootPath: 'secret', timeout: 10000, proxy: false });

let rootToken;
let unsealKey;

try {
  // ---- node-vault: seal lifecycle ----
  await run('node-vault initialized (fresh server)', async () => {
    const r = await nv.initialized();
    check(r.initialized === false, `expected initialized=false, got ${JSON.stringify(r)}`);
  });
  await run('node-vault init', async () => {
    const r = await nv.init({ secret_shares: 1, secret_threshold: 1 });
    check(Array.isArray(r.keys) && r.keys.length === 1, `keys: ${JSON.stringify(r.keys)}`);
    check(typeof r.root_token === 'string' && r.root_token.startsWith('hvs.'), 'root token');
    rootToken = r.root_token;
    unsealKey = r.keys[0];
    nv.token = rootToken;
  });
  await run('node-vault status (sealed)', async () => {
    const r = await nv.status();
    check(r.sealed === true && r.initialized === true && r.t === 1, JSON.stringify(r));
  });
  await run('node-vault unseal', async () => {
    const r = await nv.unseal({ secret_shares: 1, key: unsealKey });
    check(r.sealed === false, JSON.stringify(r));
  });
  await run('node-vault mount secret/ (kv v2)', async () => {
    await nv.mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } });
    const mounts = await nv.mounts();
    const data = mounts.data ?? mounts;
    check(data['secret/'] && data['secret/'].type === 'kv', JSON.stringify(Object.keys(data)));
  });

  // ---- node-vault: KV v2 through the generic calls ----
  await run('node-vault write/read', async () => {
    await nv.write('secret/data/node/a', { data: { foo: 'bar' } });
    await nv.write('secret/data/node/b', { data: { n: 1 } });
    const r = await nv.read('secret/data/node/a');
    check(r.data.data.foo === 'bar', JSON.stringify(r.data));
    check(r.data.metadata.version === 1, 'version 1');
  });
  await run('node-vault list', async () => {
    const keys = await eventually(async () => {
      const r = await nv.list('secret/metadata/node');
      if (r.data.keys.length < 2) throw new Error(`keys so far: ${r.data.keys}`);
      return r.data.keys;
    });
    check(JSON.stringify(keys) === JSON.stringify(['a', 'b']), JSON.stringify(keys));
  });
  await run('node-vault delete', async () => {
    await nv.delete('secret/data/node/a');
    let code;
    try {
      await nv.read('secret/data/node/a');
    } catch (e) {
      code = status(e);
    }
    check(code === 404, `expected 404 after delete, got ${code}`);
  });

  // ---- node-vault: policies and tokens ----
  await run('node-vault policies', async () => {
    await nv.addPolicy({ name: 'node-reader', rules: 'path "secret/data/node/*" { capabilities = ["read"] }' });
    const list = await nv.policies();
    const names = list.policies ?? list.data?.policies ?? list.keys;
    check(names.includes('node-reader'), JSON.stringify(list));
    const p = await nv.getPolicy({ name: 'node-reader' });
    check((p.rules ?? p.data?.rules ?? '').includes('secret/data/node/*'), JSON.stringify(p));
  });
  let child;
  await run('node-vault token create/lookup-self/renew-self', async () => {
    const r = await nv.tokenCreate({ policies: ['node-reader'], ttl: '1h' });
    child = r.auth.client_token;
    check(nv.token === child, 'node-vault switches to the token it created (its tokenSource behaviour)');
    nv.token = rootToken;
    check(child.startsWith('hvs.'), 'child token');
    const asChild = nodeVault({ endpoint: addr, token: child, requestOptions: { ca } });
    const self = await asChild.tokenLookupSelf();
    check(self.data.policies.includes('node-reader'), JSON.stringify(self.data.policies));
    const read = await asChild.read('secret/data/node/b');
    check(read.data.data.n === 1, 'the child reads what its policy allows');
    let denied;
    try {
      await asChild.write('secret/data/node/b', { data: { n: 2 } });
    } catch (e) {
      denied = status(e);
    }
    check(denied === 403, `a write outside the policy is 403, got ${denied}`);
    const renewed = await asChild.tokenRenewSelf({ increment: '30m' });
    check(renewed.auth.client_token === child, 'renewed');
  });
  await run('node-vault token revoke', async () => {
    await nv.tokenRevoke({ token: child });
  });
  await run('node-vault revoked token refused', async () => {
    let code;
    try {
      await nodeVault({ endpoint: addr, token: child, requestOptions: { ca } }).tokenLookupSelf();
    } catch (e) {
      code = status(e);
    }
    check(code === 403, `a revoked token is refused, got ${code}`);
  });
  await run('node-vault remove policy', async () => {
    await nv.removePolicy({ name: 'node-reader' });
  });

  // ---- hashi-vault-js ----
  await run('hashi-vault-js health and seal status', async () => {
    const h = await hv.healthCheck();
    check(h.initialized === true && h.sealed === false, JSON.stringify(h));
    const s = await hv.sealStatus();
    check(s.sealed === false && s.n === 1, JSON.stringify(s));
  });
  await run('hashi-vault-js KV v2 create/read/update', async () => {
    const created = await hv.createKVSecret(rootToken, 'hashi/c', { x: '1' });
    check(created.version === 1, JSON.stringify(created));
    const updated = await hv.updateKVSecret(rootToken, 'hashi/c', { x: '2' }, 1);
    check(updated.version === 2, JSON.stringify(updated));
    const read = await hv.readKVSecret(rootToken, 'hashi/c');
    check(read.data.x === '2' && read.metadata.version === 2, JSON.stringify(read));
    const v1 = await hv.readKVSecret(rootToken, 'hashi/c', 1);
    check(v1.data.x === '1', JSON.stringify(v1));
  });
  await run('hashi-vault-js KV v2 list and metadata', async () => {
    const keys = await eventually(async () => {
      const r = await hv.listKVSecrets(rootToken, 'hashi/');
      if (!r.keys.includes('c')) throw new Error(JSON.stringify(r));
      return r.keys;
    });
    check(keys.includes('c'), JSON.stringify(keys));
    const meta = await hv.readKVSecretMeta(rootToken, 'hashi/c');
    check(meta.current_version === 2, JSON.stringify(meta));
  });
  await run('hashi-vault-js KV v2 delete/undelete/destroy/eliminate', async () => {
    await hv.deleteLatestVerKVSecret(rootToken, 'hashi/c');
    await hv.undeleteVersionsKVSecret(rootToken, 'hashi/c', [2]);
    const back = await hv.readKVSecret(rootToken, 'hashi/c');
    check(back.data.x === '2', JSON.stringify(back));
    await hv.destroyVersionsKVSecret(rootToken, 'hashi/c', [1]);
    const meta = await hv.readKVSecretMeta(rootToken, 'hashi/c');
    check(meta.versions['1'].destroyed === true, JSON.stringify(meta.versions));
    await hv.eliminateKVSecret(rootToken, 'hashi/c');
    let code;
    try {
      await hv.readKVSecretMeta(rootToken, 'hashi/c');
    } catch (e) {
      code = e.status ?? e.response?.status;
    }
    check(code === 404, `nothing left after eliminate, got ${code}`);
  });
  await run('hashi-vault-js tokens', async () => {
    const created = await hv.createToken(rootToken, { policies: ['default'], ttl: '1h' });
    const token = created.client_token;
    check(token && token.startsWith('hvs.'), JSON.stringify(created));
    const self = await hv.lookupSelfToken(token);
    check(self.policies.includes('default'), JSON.stringify(self));
    const renewed = await hv.renewSelfToken(token, '30m');
    check(renewed.client_token === token, JSON.stringify(renewed));
    await hv.revokeSelfToken(token);
    let code;
    try {
      await hv.lookupSelfToken(token);
    } catch (e) {
      code = e.status ?? e.response?.status;
    }
    check(code === 403, `a revoked token is refused, got ${code}`);
  });
  await run('hashi-vault-js seal and unseal', async () => {
    await hv.sysSeal(rootToken);
    const sealed = await hv.sealStatus();
    check(sealed.sealed === true, JSON.stringify(sealed));
    const unsealed = await hv.sysUnseal(rootToken, unsealKey);
    check(unsealed.sealed === false, JSON.stringify(unsealed));
  });
  console.log('all steps passed');
} catch (e) {
  const detail = e?.response ? ` (status ${status(e)}: ${JSON.stringify(e.response.body ?? e.response.data ?? '')})` : '';
  console.error(`FAILED ${step}: ${e?.message ?? e}${detail}`);
  process.exit(1);
}
