import type { Account, AccountStore } from '../../ports.js';
import type { AccountDoc, Models } from './models.js';

function toAccount(d: AccountDoc): Account {
  return {
    id: d._id,
    email: d.email,
    passwordHash: d.passwordHash,
    role: d.role,
    verified: d.verified,
    createdAt: d.createdAt,
    totpSecret: d.totpSecret,
    totpPendingSecret: d.totpPendingSecret,
    totpLastStep: d.totpLastStep,
    verifyCodeHash: d.verifyCodeHash,
    verifyCodeExpiresAt: d.verifyCodeExpiresAt,
    verifyCodeAttempts: d.verifyCodeAttempts,
    emailOnNewTransfer: d.emailOnNewTransfer !== false,
  };
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

export class MongoAccountStore implements AccountStore {
  constructor(private readonly m: Models) {}

  async create(a: Account): Promise<boolean> {
    const { id, ...rest } = a;
    try {
      await this.m.Account.create({ _id: id, ...rest, recoveryCodes: [] });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async byEmail(email: string): Promise<Account | undefined> {
    const d = await this.m.Account.findOne({ email }).lean<AccountDoc>();
    return d === null ? undefined : toAccount(d);
  }

  async byId(id: string): Promise<Account | undefined> {
    const d = await this.m.Account.findById(id).lean<AccountDoc>();
    return d === null ? undefined : toAccount(d);
  }

  async update(id: string, patch: Partial<Omit<Account, 'id' | 'email' | 'createdAt'>>) {
    const set = Object.fromEntries(
      Object.entries(patch).filter(([, v]) => (v as unknown) !== undefined),
    );
    if (Object.keys(set).length > 0) await this.m.Account.updateOne({ _id: id }, { $set: set });
  }

  async list(limit: number, offset: number): Promise<Account[]> {
    const docs = await this.m.Account.find()
      .sort({ createdAt: 1, _id: 1 })
      .skip(offset)
      .limit(limit)
      .lean<AccountDoc[]>();
    return docs.map(toAccount);
  }

  async setRecoveryCodes(userId: string, codeHashes: string[]): Promise<void> {
    await this.m.Account.updateOne({ _id: userId }, { $set: { recoveryCodes: codeHashes } });
  }

  async consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const r = await this.m.Account.updateOne(
      { _id: userId, recoveryCodes: codeHash },
      { $pull: { recoveryCodes: codeHash } },
    );
    return r.modifiedCount === 1;
  }

  async consumeTotpStep(accountId: string, step: number): Promise<boolean> {
    // One conditional findOneAndUpdate: of concurrent calls with the same step, one matches.
    const d = await this.m.Account.findOneAndUpdate(
      { _id: accountId, $or: [{ totpLastStep: null }, { totpLastStep: { $lt: step } }] },
      { $set: { totpLastStep: step } },
      { projection: { _id: 1 } },
    ).lean();
    return d !== null;
  }

  async claimVerifyCodeAttempt(accountId: string, codeHash: string, max: number): Promise<boolean> {
    const d = await this.m.Account.findOneAndUpdate(
      { _id: accountId, verifyCodeHash: codeHash, verifyCodeAttempts: { $lt: max } },
      { $inc: { verifyCodeAttempts: 1 } },
      { projection: { _id: 1 } },
    ).lean();
    return d !== null;
  }
}
