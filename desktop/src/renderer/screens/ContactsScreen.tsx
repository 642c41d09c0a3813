import { Fragment, useEffect, useState, type SyntheticEvent } from 'react';
import type { ContactDetail, ContactView, SafetyNumberView } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { FormActions } from '../components/FormActions.js';
import { QrCode } from '../components/QrCode.js';
import { EmptyState, Loading, Notice } from '../components/Status.js';
import { TrustBadge } from '../components/TrustBadge.js';
import { useApp } from '../lib/app-context.js';
import { formatTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';

/** The 60 digits in 12 groups of 5, spaced for reading aloud. */
function SafetyNumber({ value }: { value: SafetyNumberView }) {
  return (
    <p className="safety-number" data-testid="safety-number">
      {value.groups.map((g, i) => (
        <Fragment key={i}>
          <span>{g}</span>
          {i < value.groups.length - 1 ? ' ' : ''}
        </Fragment>
      ))}
    </p>
  );
}

/** Explains a key change, shows old and new fingerprints, and resolves it. */
function KeyChange({ detail, onResolved }: { detail: ContactDetail; onResolved: () => void }) {
  const { client } = useApp();
  const action = useAction();
  const { contact, keyChange } = detail;
  const pendingSafetyNumber = keyChange?.safetyNumber ?? null;
  return (
    <section className="card warning" data-testid="key-change" aria-labelledby="key-change-heading">
      <h3 id="key-change-heading">Their key changed</h3>
      <p>
        The relay now gives a different key for <strong>{contact.email}</strong> than the one you
        had. This is normal when they reinstall DataCrypt, move to a new computer or replace their
        key. It can also mean someone is trying to read files meant for them.
      </p>
      <p>
        <strong>Sending to {contact.email} is paused</strong> until you check the new key with them
        (in person or on a call) and verify it, or accept it.
      </p>
      <dl className="fingerprints">
        <dt>Old key fingerprint</dt>
        <dd>
          <Fingerprint
            value={keyChange?.oldFingerprint ?? contact.fingerprint}
            testId="old-fingerprint"
          />
        </dd>
        <dt>New key fingerprint</dt>
        <dd>
          <Fingerprint
            value={keyChange?.newFingerprint ?? contact.pendingFingerprint ?? '—'}
            testId="new-fingerprint"
          />
        </dd>
      </dl>
      {pendingSafetyNumber !== null && (
        <>
          <h4>New safety number</h4>
          <p>Ask {contact.email} to read their safety number for you. It must match exactly.</p>
          <SafetyNumber value={pendingSafetyNumber} />
          <QrCode value={pendingSafetyNumber.qrPayload} label="QR code of the new safety number" />
        </>
      )}
      <div className="actions">
        {pendingSafetyNumber !== null && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              void action.run(async () => {
                await client.call('contacts:verify', {
                  email: contact.email,
                  safetyNumber: pendingSafetyNumber.digits,
                });
                onResolved();
              });
            }}
          >
            Numbers match: verify new key
          </button>
        )}
        <button
          type="button"
          className="secondary"
          disabled={action.busy}
          onClick={() => {
            void action.run(async () => {
              await client.call('contacts:acceptKeyChange', { email: contact.email });
              onResolved();
            });
          }}
        >
          Accept new key
        </button>
      </div>
      <p className="hint">
        Accepting uses the new key without checking it: the contact becomes “Not verified”.
      </p>
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

/** One contact: trust, fingerprint, safety number + QR, verify, key change. */
function ContactDetailView({ email, onBack }: { email: string; onBack: () => void }) {
  const { client } = useApp();
  const detail = useLoad(() => client.call('contacts:show', { email }));
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    document.getElementById('contact-heading')?.focus();
  }, []);
  useEffect(
    () =>
      client.on('contact:keyChanged', (e) => {
        if (e.email === email) detail.reload();
      }),
    [client, email, detail.reload],
  );

  const d = detail.data;
  return (
    <section data-testid="contact-detail" data-email={email} aria-labelledby="contact-heading">
      <button type="button" className="link back" onClick={onBack}>
        Back to contacts
      </button>
      <h2 id="contact-heading" tabIndex={-1}>
        {email}
      </h2>
      {detail.loading && d === null && <Loading label="Loading contact…" />}
      {detail.error && <ErrorMessage error={detail.error} />}
      {d !== null && (
        <>
          <p>
            <TrustBadge trust={d.contact.status} />{' '}
            {d.contact.status === 'verified' && d.contact.verifiedAt !== null && (
              <span>Verified on {formatTime(d.contact.verifiedAt)}.</span>
            )}
          </p>
          {d.contact.status === 'key-changed' && (
            <KeyChange
              detail={d}
              onResolved={() => {
                setNotice('The key change is resolved. You can send to this contact again.');
                detail.reload();
              }}
            />
          )}
          <section aria-labelledby="safety-heading">
            <h3 id="safety-heading">Safety number</h3>
            {d.contact.status === 'key-changed' ? (
              <p>Resolve the key change above first; the new safety number is shown there.</p>
            ) : (
              <>
                <p>
                  Compare this number with the one {email} sees, in person or on a call. If every
                  group matches, nobody is in between you.
                </p>
                <SafetyNumber value={d.safetyNumber} />
                <QrCode value={d.safetyNumber.qrPayload} label="QR code of the safety number" />
              </>
            )}
            <p>
              Your key fingerprint: <Fingerprint value={d.myFingerprint} testId="my-fingerprint" />
            </p>
            <p>
              Their key fingerprint:{' '}
              <Fingerprint value={d.contact.fingerprint} testId="contact-fingerprint" />
            </p>
            <div className="actions">
              {d.contact.status === 'unverified' && (
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => {
                    void action.run(async () => {
                      await client.call('contacts:verify', {
                        email,
                        safetyNumber: d.safetyNumber.digits,
                      });
                      setNotice(`${email} is now verified.`);
                      detail.reload();
                    });
                  }}
                >
                  Mark as verified
                </button>
              )}
              <button
                type="button"
                className="secondary"
                disabled={action.busy}
                onClick={() => {
                  void action.run(async () => {
                    await client.call('contacts:refresh', { email });
                    setNotice('Checked the relay for a new key.');
                    detail.reload();
                  });
                }}
              >
                Check for a new key
              </button>
            </div>
          </section>
        </>
      )}
      <Notice text={notice} />
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

/** One row of the contact list. */
function ContactRow({ contact, onOpen }: { contact: ContactView; onOpen: () => void }) {
  return (
    <li
      className="row"
      data-testid="contact-row"
      data-email={contact.email}
      data-trust={contact.status}
    >
      <span className="row-main">{contact.email}</span>
      <TrustBadge trust={contact.status} />
      <button type="button" className="secondary" onClick={onOpen}>
        Open<span className="visually-hidden"> {contact.email}</span>
      </button>
    </li>
  );
}

/**
 * Contacts: add by email, the list with trust states, and a contact's detail (safety number, QR,
 * mark verified, key change).
 */
export function ContactsScreen() {
  const { client, pendingContact, clearPendingContact } = useApp();
  const list = useLoad(() => client.call('contacts:list'));
  const add = useAction();
  const [email, setEmail] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(pendingContact);

  useEffect(() => {
    if (pendingContact !== null) clearPendingContact();
  }, [pendingContact, clearPendingContact]);
  useEffect(() => client.on('contact:keyChanged', list.reload), [client, list.reload]);

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    void add.run(async () => {
      const c = await client.call('contacts:add', { email: email.trim() });
      setEmail('');
      setAdded(`${c.email} was added. Compare safety numbers to verify them.`);
      list.reload();
    });
  };

  const contacts = list.data?.contacts ?? [];
  return (
    <div className="screen" data-testid="screen-contacts">
      <h1 id="screen-heading" tabIndex={-1}>
        Contacts
      </h1>
      {open !== null ? (
        <ContactDetailView
          email={open}
          onBack={() => {
            setOpen(null);
            list.reload();
          }}
        />
      ) : (
        <>
          <form className="card inline-form" onSubmit={submit} aria-label="Add a contact">
            <Field
              label="Contact email"
              type="email"
              autoComplete="off"
              required
              value={email}
              onValue={setEmail}
              hint="They need a DataCrypt account on the same relay."
            />
            <FormActions submit="Add contact" busy={add.busy} />
            {add.error && <ErrorMessage error={add.error} />}
            <Notice text={added} />
          </form>
          <h2>Your contacts</h2>
          {list.loading && list.data === null && <Loading label="Loading contacts…" />}
          {list.error && <ErrorMessage error={list.error} />}
          {list.data !== null && contacts.length === 0 && (
            <EmptyState title="No contacts yet">
              Add someone by their email address to send them files.
            </EmptyState>
          )}
          {contacts.length > 0 && (
            <ul className="rows" aria-label="Your contacts">
              {contacts.map((c) => (
                <ContactRow
                  key={c.email}
                  contact={c}
                  onOpen={() => {
                    setOpen(c.email);
                  }}
                />
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
