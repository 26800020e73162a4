/**
 * AWS over HTTP for code that carries its own copy of the AWS SDK (the bundles CDK builds): one local
 * server, pointed at with the SDK's per-service endpoint variables (AWS_ENDPOINT_URL_KMS, _SESV2, _SNS,
 * _SCHEDULER). aws-sdk-client-mock cannot reach such a copy (it patches the client classes of the test's
 * own SDK), so requests are answered on the wire, in each service's protocol:
 * - KMS (JSON 1.1, X-Amz-Target): bridged to the real-crypto fake of fake-kms.ts, through a KMSClient of
 *   the test's SDK that installFakeKms has mocked: the same keys, contexts and faults as every other test;
 * - SESv2 SendEmail (REST JSON), SNS Publish (Query, XML answer), EventBridge Scheduler Create/Delete/
 *   GetSchedule (REST JSON): recorded and answered as the service does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';

export interface SentMail {
  from: string;
  to: string;
  subject: string;
  body: string;
  configurationSet?: string;
}

export interface AwsHttpFake {
  /** The variables that point an AWS SDK at this server. */
  endpoints: Record<string, string>;
  mails: SentMail[];
  sms: { to: string; body: string }[];
  /** Schedules by group/name. */
  schedules: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

const KMS_COMMANDS = { GenerateDataKey: GenerateDataKeyCommand, Decrypt: DecryptCommand, GenerateMac: GenerateMacCommand } as const;
const BLOB_INPUTS = ['CiphertextBlob', 'Message'];

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startAwsHttpFake(region = 'eu-west-1'): Promise<AwsHttpFake> {
  // Mocked by installFakeKms (it patches KMSClient of this SDK copy): real cryptography behind it.
  const kms = new KMSClient({ region });
  const mails: SentMail[] = [];
  const sms: { to: string; body: string }[] = [];
  const schedules = new Map<string, Record<string, unknown>>();

  async function answerKms(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const operation = String(req.headers['x-amz-target']).split('.')[1] as keyof typeof KMS_COMMANDS;
    const Command = KMS_COMMANDS[operation];
    if (!Command) return json(res, 400, { __type: 'UnsupportedOperationException', message: operation });
    const input = JSON.parse(body || '{}');
    for (const field of BLOB_INPUTS)
      if (typeof input[field] === 'string') input[field] = new Uint8Array(Buffer.from(input[field], 'base64'));
    try {
      const command = new (Command as new (input: unknown) => GenerateDataKeyCommand)(input);
      const output = (await kms.send(command)) as unknown as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(output)) {
        if (k === '$metadata') continue;
        out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
      }
      json(res, 200, out, { 'content-type': 'application/x-amz-json-1.1' });
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      json(
        res,
        err.$metadata?.httpStatusCode ?? 400,
        { __type: err.name, message: err.message },
        { 'content-type': 'application/x-amz-json-1.1' },
      );
    }
  }

  function answerScheduler(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const name = decodeURIComponent(url.pathname.slice('/schedules/'.length));
    const input = body ? JSON.parse(body) : {};
    const group = (input.GroupName as string | undefined) ?? url.searchParams.get('groupName') ?? 'default';
    const key = `${group}/${name}`;
    const missing = () => json(res, 404, { Message: 'Schedule not found.' }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    if (req.method === 'POST') {
      if (schedules.has(key)) {
        json(res, 409, { Message: 'Schedule exists.' }, { 'x-amzn-errortype': 'ConflictException' });
        return;
      }
      schedules.set(key, { ...input, Name: name });
      json(res, 200, { ScheduleArn: `arn:aws:scheduler:${region}:111122223333:schedule/${key}` });
      return;
    }
    if (req.method === 'DELETE') {
      if (schedules.delete(key)) json(res, 200, {});
      else missing();
      return;
    }
    if (req.method === 'GET') {
      if (schedules.has(key)) json(res, 200, schedules.get(key));
      else missing();
      return;
    }
    json(res, 405, { Message: 'method' });
  }

  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (typeof req.headers['x-amz-target'] === 'string' && req.headers['x-amz-target'].startsWith('TrentService.'))
      return answerKms(req, res, body);
    if (url.pathname === '/v2/email/outbound-emails' && req.method === 'POST') {
      const input = JSON.parse(body);
      mails.push({
        from: input.FromEmailAddress,
        to: input.Destination.ToAddresses[0],
        subject: input.Content.Simple.Subject.Data,
        body: input.Content.Simple.Body.Text.Data,
        configurationSet: input.ConfigurationSetName,
      });
      return json(res, 200, { MessageId: `m-${mails.length}` });
    }
    if (url.pathname.startsWith('/schedules/')) return answerScheduler(req, res, url, body);
    const form = new URLSearchParams(body);
    if (form.get('Action') === 'Publish') {
      sms.push({ to: form.get('PhoneNumber') ?? '', body: form.get('Message') ?? '' });
      res.writeHead(200, { 'content-type': 'text/xml' });
      return res.end(
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
          `<PublishResult><MessageId>s-${sms.length}</MessageId></PublishResult>` +
          '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>',
      );
    }
    json(res, 404, { message: `The fake does not answer ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoints: { AWS_ENDPOINT_URL_KMS: url, AWS_ENDPOINT_URL_SESV2: url, AWS_ENDPOINT_URL_SNS: url, AWS_ENDPOINT_URL_SCHEDULER: url },
    mails,
    sms,
    schedules,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
