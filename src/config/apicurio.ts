// Apicurio Registry 2.x's Kafka Connect converters: AvroConverter
// (io.apicurio.registry.utils.converter.AvroConverter), as Debezium documents
// it, and ExtJsonConverter (Connect JSON, its schema in the registry): their
// <role>.converter.apicurio.* keys, declared once, and what they resolve to
// (the registry's native API URL, credentials and TLS, and how the serializer
// frames records: workers/decode/apicurio.ts and apicurio-ext-json.ts read them).
import { bool, oneOf, str, type OptionSpec } from './options.js';
import { readKeystore, readTruststore, type RegistryAccess } from './registry-access.js';
import type { ApicurioWire } from '../workers/decode/apicurio.js';
import type { OAuthClientCredentials } from '../workers/decode/oauth-token.js';

export const APICURIO_AVRO_CONVERTER = 'io.apicurio.registry.utils.converter.AvroConverter';

export const APICURIO_EXT_JSON_CONVERTER = 'io.apicurio.registry.utils.converter.ExtJsonConverter';

/**
 * Which of Apicurio's converters the class is, or why Sluice does not read it.
 * Apicurio Registry 2.x ships AvroConverter, ExtJsonConverter and the generic
 * SerdeBasedConverter; a ProtobufConverter exists only in its unreleased
 * development line, with its own Protobuf-to-Connect mapping.
 */
export function apicurioConverterOf(role: 'key' | 'value', converter: string): 'AvroConverter' | 'ExtJsonConverter' | { error: string } {
  const simple = converter.trim().slice(converter.trim().lastIndexOf('.') + 1);
  if (simple === 'AvroConverter' || simple === 'ExtJsonConverter') return simple;
  const reads = `of Apicurio's converters Sluice reads ${APICURIO_AVRO_CONVERTER} and ${APICURIO_EXT_JSON_CONVERTER}`;
  const confluent = 'Records written by Confluent\'s Protobuf or JSON Schema serializers against the registry\'s Confluent-compatible API (…/apis/ccompat/v7) are read with ' +
    `io.confluent.connect.protobuf.ProtobufConverter / io.confluent.connect.json.JsonSchemaConverter and ${role}.converter.schema.registry.url set to that API`;
  if (simple === 'SerdeBasedConverter') {
    return {
      error: `${role}.converter: "${converter}" hands a connector the configured deserializer's own objects (${role}.converter.apicurio.registry.converter.deserializer: ` +
        `a Protobuf DynamicMessage, a Jackson JsonNode) without a Connect schema, which a sink cannot write as rows; ${reads}. ${confluent}`,
    };
  }
  if (simple === 'ProtobufConverter') {
    return {
      error: `${role}.converter: "${converter}" is in no released Apicurio Registry version (2.x has no Protobuf converter) and maps Protobuf to Connect by its own rules, ` +
        `which Sluice does not reproduce; ${reads}. ${confluent}`,
    };
  }
  return { error: `${role}.converter: "${converter}" is an Apicurio Registry converter Sluice does not read; ${reads}` };
}

/** Apicurio's converters share simple names with Confluent's: only the package tells them apart. */
export function isApicurioConverter(converter: unknown): boolean {
  return typeof converter === 'string' && converter.trim().toLowerCase().startsWith('io.apicurio.');
}

/** Serializer-side settings: they change what the converter registers or looks up when it writes, not how Sluice reads. */
const WRITE_ONLY = [
  'auto-register', 'auto-register.if-exists', 'find-latest', 'artifact-resolver-strategy', 'artifact.group-id', 'artifact.artifact-id',
  'artifact.version', 'check-period-ms', 'retry-count', 'retry-backoff-ms', 'serde.validation-enabled', 'avro-datum-provider',
  'use-specific-avro-reader', 'dereference-schema', 'schema-resolver', 'headers.handler',
] as const;

export function apicurioOptions(role: 'key' | 'value'): OptionSpec<any>[] {
  const p = `${role}.converter.apicurio`;
  const Role = role === 'key' ? 'Key' : 'Value';
  return [
    str({
      key: `${p}.registry.url`,
      doc: `Apicurio Registry URL of the ${role} converter when it is Apicurio's AvroConverter or ExtJsonConverter (io.apicurio.registry.utils.converter.*): ` +
        `the native API, e.g. http://registry:8080/apis/registry/v2${role === 'key' ? ' (default: the value converter\'s)' : ''}. ` +
        'Schemas are fetched by the global id or content id each record carries (ExtJsonConverter: the global id in its JSON).',
    }),
    bool({ key: `${p}.registry.headers.enabled`, doc: `AvroConverter: whether Apicurio's serializer put the ${role} schema id in the record headers (apicurio.${role}.globalId / apicurio.${role}.contentId, the default) or in the payload after a magic byte.`, ignored: 'Sluice reads the id from the headers when a record has them and from the payload otherwise, as Apicurio\'s deserializer does.' }),
    oneOf(['globalId', 'contentId'] as const, { key: `${p}.registry.use-id`, caseInsensitive: false, doc: `AvroConverter: what an id in the ${role} payload names: globalId (default) or contentId, as the serializer was configured. An id header says which it is by its name.` }),
    str({ key: `${p}.registry.id-handler`, doc: `AvroConverter: the serializer's id handler: io.apicurio.registry.serde.DefaultIdHandler (8-byte id after the magic byte, default) or io.apicurio.registry.serde.Legacy4ByteIdHandler (4-byte id, as Confluent's framing); other handlers are refused.` }),
    bool({ key: `${p}.registry.as-confluent`, doc: `AvroConverter: true when the serializer wrote 4-byte ids in the payload (Legacy4ByteIdHandler).` }),
    oneOf(['BINARY', 'JSON'] as const, { key: `${p}.registry.avro.encoding`, caseInsensitive: false, doc: 'Avro encoding of the serializer: BINARY (default) is read; JSON is refused.' }),
    str({ key: `${p}.auth.username`, doc: `User name for the ${role} converter's Apicurio Registry (HTTP basic authentication, with ${p}.auth.password).` }),
    str({ key: `${p}.auth.password`, secret: true, doc: `Password for the ${role} converter's Apicurio Registry.` }),
    str({ key: `${p}.auth.service.token.endpoint`, doc: `OAuth token endpoint of the ${role} converter's Apicurio Registry: Sluice gets a token with the client credentials grant (auth.client.id / auth.client.secret) and sends it as a Bearer token, renewed before it expires. Reached with the system's CAs (NODE_EXTRA_CA_CERTS adds a private one).` }),
    str({ key: `${p}.auth.service.url`, doc: `Keycloak URL of the ${role} converter's Apicurio Registry: the token endpoint is <url>/realms/<auth.realm>/protocol/openid-connect/token (wins over auth.service.token.endpoint, as in Apicurio's serdes).` }),
    str({ key: `${p}.auth.realm`, doc: `Keycloak realm with ${p}.auth.service.url.` }),
    str({ key: `${p}.auth.client.id`, doc: `OAuth client id of the ${role} converter (client credentials grant).` }),
    str({ key: `${p}.auth.client.secret`, secret: true, doc: `OAuth client secret of the ${role} converter.` }),
    str({ key: `${p}.auth.client.scope`, doc: `OAuth scope asked for with the ${role} converter's token (none by default).` }),
    str({ key: `${p}.registry.request.ssl.truststore.location`, doc: `Truststore that verifies the ${role} converter's Apicurio Registry (HTTPS), instead of the system's CAs: PKCS12 or a PEM file of CA certificates; JKS is refused (export the CA as PEM)${role === 'key' ? ' (default: the value converter\'s)' : ''}.` }),
    str({ key: `${p}.registry.request.ssl.truststore.type`, doc: `Type of ${p}.registry.request.ssl.truststore.location: PKCS12 or PEM. As Java reads a JKS or PKCS12 file whichever of the two is declared, the file decides between them (and PEM); a JKS file is refused.` }),
    str({ key: `${p}.registry.request.ssl.truststore.password`, secret: true, doc: `Password of the ${role} converter's PKCS12 registry truststore.` }),
    str({ key: `${p}.registry.request.ssl.keystore.location`, doc: `Client certificate (mutual TLS) for the ${role} converter's Apicurio Registry: a PKCS12 keystore, or a PEM file holding the private key and its certificate chain; JKS is refused (convert it to PKCS12)${role === 'key' ? ' (default: the value converter\'s)' : ''}.` }),
    str({ key: `${p}.registry.request.ssl.keystore.type`, doc: `Type of ${p}.registry.request.ssl.keystore.location: PKCS12 or PEM. As Java reads a JKS or PKCS12 file whichever of the two is declared, the file decides between them (and PEM); a JKS file is refused.` }),
    str({ key: `${p}.registry.request.ssl.keystore.password`, secret: true, doc: `Password of the ${role} converter's PKCS12 registry keystore.` }),
    str({ key: `${p}.registry.request.ssl.key.password`, secret: true, doc: `Password of the private key in the ${role} converter's registry keystore (an encrypted PEM key; for PKCS12, tried when the keystore password does not open it).` }),
    str({ key: `${p}.registry.global-id`, doc: `Apicurio Registry 1.x serde setting (an id strategy class).`, refused: 'it belongs to Apicurio Registry 1.x\'s converter; Sluice reads the 2.x AvroConverter (apicurio.registry.url ending in /apis/registry/v2, auto-register / find-latest instead of global-id)' }),
    ...WRITE_ONLY.map((k) => str({ key: `${p}.registry.${k}`, doc: `${Role} converter (Apicurio) serializer setting.`, ignored: 'it only changes what the converter registers or looks up when it writes; Sluice reads the schema each record names by its id.' })),
  ];
}

type Get = (key: string) => unknown;

/** How the role's Apicurio converter frames records; problems name the key. */
export function apicurioWire(role: 'key' | 'value', get: Get, problems: string[], converter: 'AvroConverter' | 'ExtJsonConverter' = 'AvroConverter'): ApicurioWire {
  // ExtJsonConverter reads no headers and frames every record the one way, naming its schema by global id.
  if (converter === 'ExtJsonConverter') return { converter, idSize: 8, useId: 'globalId' };
  const p = `${role}.converter.apicurio.registry`;
  if (get(`${p}.avro.encoding`) === 'JSON') problems.push(`${p}.avro.encoding: JSON (Avro's JSON encoding) is not read by Sluice; only BINARY`);
  let idSize: 4 | 8 = get(`${p}.as-confluent`) === true ? 4 : 8;
  const handler = get(`${p}.id-handler`);
  if (typeof handler === 'string' && handler.trim() !== '') {
    const simple = handler.trim().slice(handler.trim().lastIndexOf('.') + 1);
    if (simple === 'Legacy4ByteIdHandler') idSize = 4;
    else if (simple === 'DefaultIdHandler') {
      if (get(`${p}.as-confluent`) === true) problems.push(`${p}.id-handler: DefaultIdHandler (8-byte ids) contradicts ${p}.as-confluent=true (4-byte ids)`);
    } else problems.push(`${p}.id-handler: "${handler}" is not an id handler Sluice reads (io.apicurio.registry.serde.DefaultIdHandler or Legacy4ByteIdHandler)`);
  }
  const useId = (get(`${p}.use-id`) as 'globalId' | 'contentId' | undefined) ?? 'globalId';
  return { idSize, useId };
}

/** The role's Apicurio Registry URL and credentials (a key converter without its own uses the value converter's). */
export function apicurioRegistryAccess(role: 'key' | 'value', get: Get, problems: string[], secrets: string[]): RegistryAccess | undefined {
  const roles = role === 'key' ? ['key', 'value'] : ['value'];
  const first = (suffix: string): { key: string; value: string } | undefined => {
    for (const r of roles) {
      const k = `${r}.converter.apicurio.${suffix}`;
      const v = get(k);
      if (v !== undefined && v !== '') return { key: k, value: String(v) };
    }
    return undefined;
  };
  const url = first('registry.url');
  if (!url) {
    problems.push(`${role}.converter.apicurio.registry.url: required when the ${role} converter is Apicurio's (${APICURIO_AVRO_CONVERTER} or ${APICURIO_EXT_JSON_CONVERTER})`);
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url.value)) {
    problems.push(`${url.key}: give the credentials as ${role}.converter.apicurio.auth.username / auth.password, not in the URL`);
    return undefined;
  }
  if (/\/apis\/ccompat\//.test(url.value)) {
    problems.push(`${url.key}: ${url.value} is the Confluent-compatible API; Apicurio's converter uses the native API (…/apis/registry/v2)`);
  }
  const oauth = apicurioOAuth(first, problems, secrets);
  const user = first('auth.username');
  const pass = first('auth.password');
  let authorization: string | undefined;
  // As Apicurio's serdes: a token endpoint or service URL means OAuth, and the user name and password are then not used.
  if ((user || pass) && !oauth) {
    if (!user || !pass) problems.push(`${(user ?? pass)!.key}: basic authentication needs both auth.username and auth.password`);
    else {
      authorization = 'Basic ' + Buffer.from(`${user.value}:${pass.value}`).toString('base64');
      secrets.push(pass.value, authorization.slice('Basic '.length));
    }
  }
  for (const k of ['registry.request.ssl.truststore.password', 'registry.request.ssl.keystore.password', 'registry.request.ssl.key.password']) {
    const v = first(k);
    if (v) secrets.push(v.value);
  }
  // A key converter reading the value converter's stores would report the same problem twice.
  const tls: string[] = [];
  const trust = first('registry.request.ssl.truststore.location');
  const ca = trust ? readTruststore(trust, first('registry.request.ssl.truststore.type'), first('registry.request.ssl.truststore.password'), tls) : undefined;
  const keystore = first('registry.request.ssl.keystore.location');
  const clientCert = keystore
    ? readKeystore(keystore, first('registry.request.ssl.keystore.type'), first('registry.request.ssl.keystore.password'), first('registry.request.ssl.key.password'), tls)
    : undefined;
  if ((ca || clientCert) && !/^https:/i.test(url.value.trim())) tls.push(`${(trust ?? keystore)!.key}: set for ${url.key}=${url.value}, which is not an https URL`);
  for (const t of tls) if (!problems.includes(t)) problems.push(t);
  return {
    url: url.value.trim().replace(/\/+$/, ''), urlFrom: url.key,
    ...(authorization ? { authorization } : {}), ...(ca ? { ca } : {}), ...(clientCert ? { clientCert } : {}), ...(oauth ? { oauth } : {}),
  };
}

/** Client credentials for OAuth (apicurio.auth.service.*, auth.client.*), when the converter is configured for it; problems name the key. */
function apicurioOAuth(
  first: (suffix: string) => { key: string; value: string } | undefined, problems: string[], secrets: string[],
): OAuthClientCredentials | undefined {
  const serviceUrl = first('auth.service.url');
  const endpoint = first('auth.service.token.endpoint');
  if (!serviceUrl && !endpoint) return undefined;
  const own: string[] = [];
  let tokenEndpoint: string | undefined;
  if (serviceUrl) {
    const realm = first('auth.realm');
    if (!realm) own.push(`${serviceUrl.key.replace(/service\.url$/, 'realm')}: required with ${serviceUrl.key} (the Keycloak realm whose token endpoint Sluice asks)`);
    else tokenEndpoint = `${serviceUrl.value.trim().replace(/\/+$/, '')}/realms/${encodeURIComponent(realm.value.trim())}/protocol/openid-connect/token`;
  } else tokenEndpoint = endpoint!.value.trim();
  const from = (serviceUrl ?? endpoint)!.key;
  if (tokenEndpoint !== undefined && !/^https?:\/\/[^/]/i.test(tokenEndpoint)) own.push(`${from}: "${tokenEndpoint}" is not an http(s) URL`);
  const id = first('auth.client.id');
  const secret = first('auth.client.secret');
  if (secret) secrets.push(secret.value);
  for (const [v, k] of [[id, 'client.id'], [secret, 'client.secret']] as const) {
    if (!v) own.push(`${from.replace(/auth\..*$/, `auth.${k}`)}: required with ${from} (OAuth client credentials)`);
  }
  for (const t of own) if (!problems.includes(t)) problems.push(t);
  if (own.length > 0 || !tokenEndpoint || !id || !secret) return undefined;
  const scope = first('auth.client.scope');
  return { tokenEndpoint, clientId: id.value, clientSecret: secret.value, ...(scope ? { scope: scope.value } : {}) };
}
