// Certificates, keys and PKCS#12 stores made in memory for the TLS unit
// tests (node:crypto makes the keys, node-forge the certificates and stores).
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestCert {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

function keyPair(): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const priv = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pub: forge.pki.setRsaPublicKey(priv.n, priv.e), priv, pem };
}

export function makeCert(cn: string, issuer?: TestCert): TestCert {
  const k = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.pub;
  cert.serialNumber = String(Math.floor(Math.random() * 1e9) + 1);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: cn }]);
  cert.setExtensions(issuer ? [{ name: 'basicConstraints', cA: false }] : [{ name: 'basicConstraints', cA: true }]);
  cert.sign(issuer ? issuer.key : k.priv, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.pem, cert, key: k.priv };
}

/** A PKCS#12 file: certificates only (a truststore) or a key with its chain (a keystore). */
export function pkcs12(password: string, certs: TestCert[], key?: TestCert): Buffer {
  const asn = forge.pkcs12.toPkcs12Asn1(key ? key.key : null, certs.map((c) => c.cert), password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
}
