// Port: the exchange's signed receipts (JWS), kept per exchange and ledger sequence number.

export interface StoredReceipt {
  readonly exchangeId: string;
  readonly seq: number;
  /** ETSI EN 319 522 evidence type (SubmissionAcceptance, ContentConsignment, ContentHandover). */
  readonly evidence: string;
  readonly jws: string;
}

export interface ReceiptStore {
  /** Keep a receipt; a second receipt for the same event is ignored (the first one stands). */
  put(exchangeId: string, seq: number, evidence: string, jws: string): Promise<void>;
  /** Every receipt of an exchange in ledger order. */
  list(exchangeId: string): Promise<StoredReceipt[]>;
}
