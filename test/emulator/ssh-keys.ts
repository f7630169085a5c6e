// /ssh-key: keys are addressed by NAME (contract: /ssh-key/{name}), so names are unique
// here: registering a taken name is a 409 (the real answer is not in the sources).
// The key is readable as soon as the call has answered: egoscale v2 RegisterSSHKey GETs
// it right away without waiting for the operation.
import type { Handler } from './api.js';
import { md5Fingerprint, parseOpenSshPublicKey } from './openssh.js';
import { RegisterSshKeyBody, conflict, invalid, notFound, parseBody } from './schemas.js';
import type { SshKeyRecord } from './state.js';

const render = (k: SshKeyRecord) => ({ name: k.name, fingerprint: k.fingerprint });

export const listSshKeys: Handler = (api) => ({ 'ssh-keys': [...api.store.sshKeys.values()].map(render) });

export const getSshKey: Handler = (api, { params }) => {
  const k = api.store.sshKeys.get(params[0]);
  if (!k) throw notFound(`SSH key ${params[0]} not found`);
  return render(k);
};

export const registerSshKey: Handler = (api, { body }) => {
  const b = parseBody(RegisterSshKeyBody, body);
  const key = parseOpenSshPublicKey(b['public-key']);
  if (!key.ok) throw invalid([{ location: "$['public-key']", detail: key.detail }]);
  if (api.store.sshKeys.has(b.name)) throw conflict(`an SSH key named ${b.name} already exists`);
  api.checkQuota('ssh-key', api.cfg.quota.sshKeys, api.store.sshKeys.size);
  api.store.sshKeys.set(b.name, { name: b.name, publicKey: b['public-key'].trim(), fingerprint: md5Fingerprint(key.blob) });
  // No UUID exists for an ssh key: the reference carries only link and command.
  return api.operation('register-ssh-key', { path: `/ssh-key/${encodeURIComponent(b.name)}` });
};

// Instances that were created with the key keep it (it was injected at creation).
export const deleteSshKey: Handler = (api, { params }) => {
  if (!api.store.sshKeys.delete(params[0])) throw notFound(`SSH key ${params[0]} not found`);
  return api.operation('delete-ssh-key', { path: `/ssh-key/${encodeURIComponent(params[0])}` });
};
