import QRCode from 'qrcode';
import type { ContactDetail, ContactInfo } from '../../core/index.js';
import { UsageError } from '../errors.js';
import { defineGroup } from '../group.js';
import { defineCommand } from '../registry.js';
import { print, SESSION_OPTIONS, withSession } from '../session-options.js';

function requireEmail(positionals: string[], command: string): string {
  const email = positionals.at(0);
  if (email === undefined) throw new UsageError('missing EMAIL', command);
  return email;
}

function statusText(c: ContactInfo): string {
  return c.status === 'key-changed'
    ? `KEY CHANGED (pinned ${c.fingerprint}, now ${c.newFingerprint ?? '?'})`
    : c.status;
}

const add = defineCommand({
  name: 'contacts add',
  summary: "pin a contact's key from the relay directory (unverified)",
  usage: ['datacrypt contacts add EMAIL'],
  description: [
    "Fetches EMAIL's self-signed key from the relay directory and pins it (trust on first use).",
    'Compare safety numbers (`datacrypt contacts show`) and mark it verified.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: { name: 'EMAIL', description: "the contact's email", max: 1 },
  examples: ['datacrypt contacts add bob@example.com'],
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    return withSession(values, context, async (session) => {
      const contact = await session.contacts.add(email);
      print(context, values, contact, [
        `${contact.email}: ${statusText(contact)}`,
        `Fingerprint: ${contact.fingerprint}`,
      ]);
      return 0;
    });
  },
});

const list = defineCommand({
  name: 'contacts list',
  summary: 'list contacts with their trust status',
  usage: ['datacrypt contacts list [--refresh]'],
  description: [
    'Lists contacts: verified, unverified, or key-changed (sending blocked). With --refresh, the',
    'relay directory is asked again first, which detects key changes.',
  ],
  options: {
    refresh: { type: 'boolean', description: 'check the relay directory for key changes first' },
    ...SESSION_OPTIONS,
  },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const contacts =
        values.refresh === true ? await session.contacts.refresh() : await session.contacts.list();
      print(
        context,
        values,
        { contacts },
        contacts.length === 0
          ? 'No contacts yet (datacrypt contacts add EMAIL).'
          : contacts.map((c) => `${c.email}  ${statusText(c)}`),
      );
      return 0;
    });
  },
});

function detailLines(d: ContactDetail): string[] {
  const lines = [
    `${d.contact.email}: ${statusText(d.contact)}`,
    `Their fingerprint: ${d.contact.fingerprint}`,
    `Your fingerprint:  ${d.myFingerprint}`,
    'Safety number (compare it with theirs, in person or on a call):',
    ...[0, 4, 8].map((i) => `  ${d.safetyNumber.groups.slice(i, i + 4).join(' ')}`),
  ];
  if (d.keyChange !== null) {
    lines.push(
      '',
      `WARNING: the relay now serves another key for ${d.contact.email}.`,
      `  old fingerprint: ${d.keyChange.oldFingerprint}`,
      `  new fingerprint: ${d.keyChange.newFingerprint}`,
      'Safety number with the new key:',
      ...[0, 4, 8].map(
        (i) => `  ${d.keyChange?.safetyNumber.groups.slice(i, i + 4).join(' ') ?? ''}`,
      ),
      'Sending is blocked until you verify the new number or run `datacrypt contacts accept`.',
    );
  }
  return lines;
}

const show = defineCommand({
  name: 'contacts show',
  summary: 'show the safety number (and QR code) to compare with a contact',
  usage: ['datacrypt contacts show EMAIL [--qr]'],
  description: [
    'Prints the safety number of you and EMAIL (60 digits, the same on both sides), both',
    'fingerprints, and, after a key change, the old and new fingerprints. --qr draws the QR code.',
  ],
  options: {
    qr: { type: 'boolean', description: 'also draw the QR code of the safety number' },
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'EMAIL', description: "the contact's email", max: 1 },
  examples: ['datacrypt contacts show bob@example.com'],
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    return withSession(values, context, async (session) => {
      const detail = await session.contacts.show(email);
      const lines = detailLines(detail);
      if (values.qr === true && values.json !== true) {
        lines.push(
          await QRCode.toString(detail.safetyNumber.qrPayload, { type: 'terminal', small: true }),
        );
      }
      print(context, values, detail, lines);
      return 0;
    });
  },
});

const verify = defineCommand({
  name: 'contacts verify',
  summary: 'mark a contact verified after comparing safety numbers',
  usage: ['datacrypt contacts verify EMAIL [--safety-number DIGITS]'],
  description: [
    'Marks EMAIL verified: you compared the safety number from `datacrypt contacts show`. With',
    '--safety-number (the digits they read out, or a scanned QR payload) it is checked first',
    '(E_SAFETY_NUMBER when it differs). After a key change give the new number, or accept.',
  ],
  options: {
    'safety-number': {
      type: 'string',
      value: 'DIGITS',
      description: 'the number to check (spaces allowed) or the QR payload',
    },
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'EMAIL', description: "the contact's email", max: 1 },
  examples: ['datacrypt contacts verify bob@example.com'],
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    return withSession(values, context, async (session) => {
      const number = values['safety-number'];
      const contact = await session.contacts.verify(
        email,
        number === undefined ? {} : { safetyNumber: number },
      );
      print(context, values, contact, `${contact.email}: ${statusText(contact)}`);
      return 0;
    });
  },
});

const accept = defineCommand({
  name: 'contacts accept',
  summary: "accept a contact's new key (pinned, unverified)",
  usage: ['datacrypt contacts accept EMAIL'],
  description: [
    'After a key change, pins the new key without comparing numbers (unverified). Prefer',
    'comparing the new safety number with `datacrypt contacts verify --safety-number`.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: { name: 'EMAIL', description: "the contact's email", max: 1 },
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    return withSession(values, context, async (session) => {
      const contact = await session.contacts.acceptKeyChange(email);
      print(context, values, contact, [
        `${contact.email}: ${statusText(contact)}`,
        `Fingerprint: ${contact.fingerprint}`,
      ]);
      return 0;
    });
  },
});

const remove = defineCommand({
  name: 'contacts remove',
  summary: 'forget a contact and its pinned key',
  usage: ['datacrypt contacts remove EMAIL'],
  description: ['Forgets EMAIL and the keys seen for them.'],
  options: { ...SESSION_OPTIONS },
  positionals: { name: 'EMAIL', description: "the contact's email", max: 1 },
  async run(values, positionals, context) {
    const email = requireEmail(positionals, context.command);
    return withSession(values, context, async (session) => {
      const removed = await session.contacts.remove(email);
      print(
        context,
        values,
        { removed },
        removed ? `Removed ${email}.` : `${email} was not a contact.`,
      );
      return 0;
    });
  },
});

export const contacts = defineGroup({
  name: 'contacts',
  summary: 'pinned keys of the people you exchange files with',
  description: [
    'Keys are pinned on first use; compare safety numbers to verify. A key change blocks sending',
    'until you verify the new number or accept it.',
  ],
  subcommands: [add, list, show, verify, accept, remove],
});
