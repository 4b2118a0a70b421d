package plaudit

import (
	"context"
	"time"
)

// ClaimBatch is a "claim all" batch handed out to a member: one Permit2 PermitBatchTransferFrom nonce paying
// spender the claims of epochs in token. It is recorded so that a claim's status can tell that it was paid by
// a batch (whose nonce is used on chain while the claim's own is not), and whether it was paid twice.
type ClaimBatch struct {
	Nonce   string    `json:"nonce"`   // decimal uint256
	Spender string    `json:"spender"` // the wallet, EIP-55
	Token   string    `json:"token"`   // EIP-55
	Epochs  []string  `json:"epochs"`  // sorted
	Created time.Time `json:"created"` // when it was first handed out
}

// ClaimBatchStore keeps the claim-all batches handed out. A store that does not implement it records none,
// and claims paid by a batch then show their own nonce's status.
type ClaimBatchStore interface {
	// RecordClaimBatch stores b unless a batch with its nonce is stored already (the same claims always
	// make the same batch).
	RecordClaimBatch(ctx context.Context, b *ClaimBatch) error
	// ClaimBatches returns the batches handed out to spender, oldest first.
	ClaimBatches(ctx context.Context, spender string) ([]ClaimBatch, error)
}
