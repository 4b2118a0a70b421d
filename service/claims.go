package service

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/payout"
)

// The statuses of a Permit2 claim on chain, as the member portal shows them.
const (
	// ClaimUnknown: no chain node is configured (chain.rpc_url), or it could not be read.
	ClaimUnknown = "unknown"
	// ClaimClaimable: the nonce is unused, the deadline ahead, and the funding wallet holds and allows enough.
	ClaimClaimable = "claimable"
	// ClaimClaimed: the nonce was used by a transfer (the transaction is named when the logs show it).
	ClaimClaimed = "claimed"
	// ClaimInvalidated: the owner invalidated the nonce (Permit2 invalidateUnorderedNonces): the claim can
	// never be used.
	ClaimInvalidated = "invalidated"
	// ClaimExpired: the permit's deadline has passed.
	ClaimExpired = "expired"
	// ClaimUnderfunded: the funding wallet's balance or its allowance to Permit2 is below the amount.
	ClaimUnderfunded = "underfunded"
	// ClaimInBatch: the claim is in a claim-all batch handed out to its wallet, and neither the batch nor any
	// claim of it is known to be used: the portal offers the batch, not this claim (ClaimStatus.Batch).
	ClaimInBatch = "in-batch"
)

// ClaimKey is the key and EIP-712 domain the server signs Permit2 claims with (the config's payout
// section).
type ClaimKey struct {
	Key    payout.SignerConfig
	Domain payout.Domain
}

// ChainReader reads what a claim's status depends on from the chain: chain.Client implements it against a
// JSON-RPC node.
type ChainReader interface {
	BlockNumber(ctx context.Context) (uint64, error)
	NonceBitmap(ctx context.Context, permit2, owner payout.Address, wordPos *big.Int) (*big.Int, error)
	BalanceOf(ctx context.Context, token, owner payout.Address) (*big.Int, error)
	Allowance(ctx context.Context, token, owner, spender payout.Address) (*big.Int, error)
	Logs(ctx context.Context, contract payout.Address, from uint64, topics []*payout.Hash) ([]chain.Log, error)
}

// ChainView is a chain to read claims' statuses from: the reader and the first block whose logs are
// searched for claim transactions and invalidations (0: none are searched).
type ChainView struct {
	Reader        ChainReader
	LogsFromBlock uint64
}

// PortalEpochs returns the epochs the member portal and its public pages show, newest first: the closed
// epochs that may be paid (Claimable: published by its witnesses, or closed under a policy that lists
// none). A closed epoch still awaiting its witnesses, or disputed, shows no payouts, proofs or claims. It is
// the one place that chooses them.
func (s *Service) PortalEpochs(ctx context.Context) ([]*plaudit.Epoch, error) {
	eps, err := s.Epochs(ctx, "")
	if err != nil {
		return nil, err
	}
	out := eps[:0]
	for _, ep := range eps {
		if err := s.Claimable(ctx, ep.ID); plaudit.ErrorCode(err) == plaudit.ECONFLICT {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("portal epochs: %w", err)
		}
		out = append(out, ep)
	}
	slices.SortStableFunc(out, func(a, b *plaudit.Epoch) int {
		if c := b.End.Compare(a.End); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// PortalEpoch returns a closed epoch the portal shows, with its allocations: ENOTFOUND for an epoch that is
// not closed, and Claimable's ECONFLICT (awaiting witnesses, attested within its dispute window, or
// disputed) for one that may not be paid yet, so that its public page says where it stands.
func (s *Service) PortalEpoch(ctx context.Context, id string) (*StoredEpoch, error) {
	ce, err := s.Epoch(ctx, id)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no published epoch %q", id)
	} else if err != nil {
		return nil, err
	}
	if err := s.Claimable(ctx, id); err != nil {
		return nil, err
	}
	return ce, nil
}

// PortalClaim is a Permit2 claim ready for a wallet: the signed permit, where it is checked (chain,
// Permit2, owner), the EIP-712 document that was signed, and its status on chain.
type PortalClaim struct {
	Program   string           `json:"program"`
	Epoch     string           `json:"epoch"`
	ChainID   uint64           `json:"chainId"`
	Permit2   payout.Address   `json:"permit2"`
	Owner     payout.Address   `json:"owner"`
	Permit    payout.Permit    `json:"permit"`
	Signature payout.Signature `json:"signature"`
	TypedData payout.TypedData `json:"-"`
	Status    ClaimStatus      `json:"-"`
}

// ClaimStatus is a claim's status on chain, what it was read from and, when known, the transaction that
// used or invalidated its nonce.
type ClaimStatus struct {
	State  string       `json:"state"`
	Detail string       `json:"detail,omitempty"`
	Tx     *payout.Hash `json:"tx,omitempty"`
	Block  uint64       `json:"block,omitempty"` // the latest block when it was read
	// Batch is the nonce (decimal) of the live claim-all batch that covers the claim: it supersedes the claim
	// (state in-batch), or is broken (another of its claims was used on its own) and the claim is offered on
	// its own but in no new batch until the owner retires the broken one.
	Batch string `json:"batch,omitempty"`
}

// WalletPayout is what one wallet is paid in one published epoch: the allocations paying it (members sharing
// a wallet share one claim for their sum), each allocation's Merkle proof, and the claim (nil without a
// signer).
type WalletPayout struct {
	Epoch       *plaudit.Epoch
	Wallet      payout.Address
	Amount      *big.Int // base units: the claim's amount, Σ of the allocations' Paid
	Allocations []plaudit.Allocation
	Proofs      []*PayoutProof
	Claim       *PortalClaim
}

// MemberEpoch is a member's line of one published epoch: the allocation (points, share, fee, carry, paid)
// and, when it was paid to a valid wallet, the wallet's payout.
type MemberEpoch struct {
	Epoch      *plaudit.Epoch
	Allocation plaudit.Allocation
	Payout     *WalletPayout // nil when nothing was paid or the wallet is not valid
}

// MemberPayouts returns member's line in every published epoch that allocated them anything, newest first,
// with the proofs and (when key is not nil) the signed claims of what was paid. The claims are exactly
// those of EpochClaims (same nonce, amount and signature), signed for this wallet only.
func (s *Service) MemberPayouts(ctx context.Context, key *ClaimKey, member string) ([]MemberEpoch, error) {
	eps, err := s.PortalEpochs(ctx)
	if err != nil {
		return nil, err
	}
	signer, done, err := openClaimKey(key)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []MemberEpoch
	for _, ep := range eps {
		ce, err := s.Epoch(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ce.Allocations, func(a plaudit.Allocation) bool { return a.Member == member })
		if i < 0 {
			continue
		}
		me := MemberEpoch{Epoch: ce.Epoch, Allocation: ce.Allocations[i]}
		if addr, err := payout.ParseAddress(me.Allocation.Wallet); err == nil && me.Allocation.Paid != nil && me.Allocation.Paid.Sign() > 0 {
			if me.Payout, err = walletPayout(ctx, ce, addr, signer, key); err != nil {
				return nil, err
			}
		}
		out = append(out, me)
	}
	return out, nil
}

// WalletPayouts returns what wallet is paid in every published epoch, newest first, with proofs and (when
// key is not nil) claims: the read-only view of someone who enters an address instead of signing in.
func (s *Service) WalletPayouts(ctx context.Context, key *ClaimKey, wallet payout.Address) ([]*WalletPayout, error) {
	eps, err := s.PortalEpochs(ctx)
	if err != nil {
		return nil, err
	}
	signer, done, err := openClaimKey(key)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []*WalletPayout
	for _, ep := range eps {
		ce, err := s.Epoch(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		wp, err := walletPayout(ctx, ce, wallet, signer, key)
		if err != nil {
			return nil, err
		}
		if wp != nil {
			out = append(out, wp)
		}
	}
	return out, nil
}

// openClaimKey opens key's signer (nil when key is nil); done destroys it.
func openClaimKey(key *ClaimKey) (*payout.Signer, func(), error) {
	if key == nil {
		return nil, func() {}, nil
	}
	signer, err := key.Key.Signer()
	if err != nil {
		return nil, nil, err
	}
	return signer, signer.Destroy, nil
}

// walletPayout builds wallet's payout in ce, or nil when ce pays it nothing.
func walletPayout(ctx context.Context, ce *StoredEpoch, wallet payout.Address, signer *payout.Signer, key *ClaimKey) (*WalletPayout, error) {
	wp := &WalletPayout{Epoch: ce.Epoch, Wallet: wallet, Amount: new(big.Int)}
	for _, a := range ce.Allocations {
		if a.Paid == nil || a.Paid.Sign() <= 0 {
			continue
		}
		if addr, err := payout.ParseAddress(a.Wallet); err == nil && addr == wallet {
			wp.Allocations = append(wp.Allocations, a)
			wp.Amount.Add(wp.Amount, a.Paid)
		}
	}
	if len(wp.Allocations) == 0 {
		return nil, nil
	}
	et, _, err := epochTree(ce, "")
	if err != nil {
		return nil, err
	}
	for i := range et.Members {
		l := et.Tree.Leaf(i)
		if l.Address != wallet {
			continue
		}
		proof, err := et.Tree.Proof(i)
		if err != nil {
			return nil, fmt.Errorf("epoch %s: proof of %s: %w", ce.Epoch.ID, et.Members[i], err)
		}
		wp.Proofs = append(wp.Proofs, &PayoutProof{Epoch: ce.Epoch.ID, Member: et.Members[i], Wallet: l.Address,
			Amount: new(big.Int).Set(l.Amount), Leaf: et.Tree.LeafHash(i), Proof: proof, Root: et.Tree.Root()})
	}
	if signer == nil {
		return wp, nil
	}
	token, err := payout.ParseAddress(ce.Epoch.Token)
	if err != nil {
		return wp, nil // an epoch paying no ERC-20 has no Permit2 claims
	}
	opts := payout.ClaimOptions{Domain: key.Domain, Token: token, Program: ce.Epoch.Program, Epoch: ce.Epoch.ID}
	if err := checkClaimOptions(opts); err != nil {
		return nil, err
	}
	signed, err := payout.SignClaims(ctx, signer, opts, []payout.Claim{{Beneficiary: wallet, Amount: wp.Amount}})
	if err != nil {
		return nil, fmt.Errorf("sign the claim of %s in epoch %s: %w", wallet, ce.Epoch.ID, err)
	}
	c := signed[0]
	wp.Claim = &PortalClaim{Program: ce.Epoch.Program, Epoch: ce.Epoch.ID, ChainID: key.Domain.ChainID, Permit2: key.Domain.Permit2,
		Owner: c.Owner, Permit: c.Permit, Signature: c.Signature, TypedData: payout.PermitTypedData(key.Domain, c.Permit),
		Status: ClaimStatus{State: ClaimUnknown, Detail: "no chain node configured (chain.rpc_url)"}}
	return wp, nil
}

// chainReads caches what one status pass reads, so that each bitmap word, balance and allowance is read once.
type chainReads struct {
	ch      ChainView
	bitmaps map[string]*big.Int
	funds   map[string]*big.Int
	logs    map[string][]chain.Log
	// deadBatches are the recorded batches whose nonce is set on chain (used, or retired by the owner).
	deadBatches map[string]bool
}

func (r *chainReads) bitmap(ctx context.Context, permit2, owner payout.Address, word *big.Int) (*big.Int, error) {
	k := permit2.String() + owner.String() + word.String()
	if v, ok := r.bitmaps[k]; ok {
		return v, nil
	}
	v, err := r.ch.Reader.NonceBitmap(ctx, permit2, owner, word)
	if err != nil {
		return nil, err
	}
	r.bitmaps[k] = v
	return v, nil
}

func (r *chainReads) fund(ctx context.Context, what string, token, owner, permit2 payout.Address) (*big.Int, error) {
	k := what + token.String() + owner.String() + permit2.String()
	if v, ok := r.funds[k]; ok {
		return v, nil
	}
	var v *big.Int
	var err error
	if what == "balance" {
		v, err = r.ch.Reader.BalanceOf(ctx, token, owner)
	} else {
		v, err = r.ch.Reader.Allowance(ctx, token, owner, permit2)
	}
	if err != nil {
		return nil, err
	}
	r.funds[k] = v
	return v, nil
}

func (r *chainReads) logsOf(ctx context.Context, contract payout.Address, topics ...*payout.Hash) ([]chain.Log, error) {
	k := contract.String()
	for _, t := range topics {
		if t != nil {
			k += t.String()
		}
	}
	if v, ok := r.logs[k]; ok {
		return v, nil
	}
	v, err := r.ch.Reader.Logs(ctx, contract, r.ch.LogsFromBlock, topics)
	if err != nil {
		return nil, err
	}
	r.logs[k] = v
	return v, nil
}

// ClaimStatuses reads the status of each claim from the chain, at the latest block, and sets it: claimed or
// invalidated when its nonce's bit is set in Permit2's bitmap (told apart, and the transaction named, by
// the logs from ch.LogsFromBlock), expired past its deadline (now, the wall clock: a status is for display,
// never settled), underfunded when the owner's balance or allowance to Permit2 is below the amount (the
// claims still claimable are counted together, oldest first, since each one paid lowers what is left for
// the next), claimable otherwise. A chain that cannot be read leaves every status unknown and returns the
// error.
func ClaimStatuses(ctx context.Context, ch ChainView, claims []*PortalClaim, now time.Time) error {
	return claimStatuses(ctx, ch, claims, nil, now)
}

// ReadClaimStatuses is ClaimStatuses that also knows the claim-all batches handed out to the claims'
// wallets (when the store records them), read with or without a chain (ch.Reader nil):
//   - a batch whose nonce is used paid its claims: they read claimed (paid twice when a claim's own nonce is
//     used too);
//   - a batch unused whose claims are all unused supersedes them: they read in-batch (ClaimInBatch), and the
//     portal offers the batch instead of their permits;
//   - a batch unused one of whose claims was used on its own is broken (using it would pay that claim
//     twice): its other claims read their own status again, with a note, and the batch is never offered.
//
// Without a chain nothing is known to be used, so every claim of a recorded batch reads in-batch.
func (s *Service) ReadClaimStatuses(ctx context.Context, ch ChainView, claims []*PortalClaim) error {
	var batches []plaudit.ClaimBatch
	if bs, ok := s.store.(plaudit.ClaimBatchStore); ok {
		var seen []payout.Address
		for _, c := range claims {
			if slices.Contains(seen, c.Permit.Spender) {
				continue
			}
			seen = append(seen, c.Permit.Spender)
			b, err := bs.ClaimBatches(ctx, c.Permit.Spender.String())
			if err != nil {
				return err
			}
			batches = append(batches, b...)
		}
	}
	if ch.Reader == nil {
		for _, c := range claims {
			if b := batchOf(c, batches); b != nil {
				c.Status = ClaimStatus{State: ClaimInBatch, Batch: b.Nonce,
					Detail: "in the claim-all batch of " + strings.Join(b.Epochs, ", ") + ": claim with the batch (no chain node is configured, so its status on chain is unknown)"}
			}
		}
		return nil
	}
	return claimStatuses(ctx, ch, claims, batches, s.now())
}

// batchOf returns the recorded batch that includes claim c (same wallet, token and epoch), or nil.
func batchOf(c *PortalClaim, batches []plaudit.ClaimBatch) *plaudit.ClaimBatch {
	for i := range batches {
		b := &batches[i]
		if strings.EqualFold(b.Spender, c.Permit.Spender.String()) && strings.EqualFold(b.Token, c.Permit.Token.String()) && slices.Contains(b.Epochs, c.Epoch) {
			return b
		}
	}
	return nil
}

func claimStatuses(ctx context.Context, ch ChainView, claims []*PortalClaim, batches []plaudit.ClaimBatch, now time.Time) error {
	if ch.Reader == nil || len(claims) == 0 {
		return nil
	}
	block, err := ch.Reader.BlockNumber(ctx)
	if err != nil {
		setUnknown(claims, err)
		return err
	}
	r := &chainReads{ch: ch, bitmaps: map[string]*big.Int{}, funds: map[string]*big.Int{}, logs: map[string][]chain.Log{}, deadBatches: map[string]bool{}}
	states := make([]ClaimStatus, len(claims))
	// Oldest first, so that the funds left are spent on the claims that have waited longest.
	order := make([]int, len(claims))
	for i := range order {
		order[i] = len(claims) - 1 - i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(claims[a].Epoch, claims[b].Epoch) })
	owed := map[string]*big.Int{}
	for _, i := range order {
		c := claims[i]
		st, err := claimStatus(ctx, r, c, now, owed)
		if err != nil {
			setUnknown(claims, err)
			return fmt.Errorf("claim status of epoch %s: %w", c.Epoch, err)
		}
		if st, err = batchStatus(ctx, r, c, st, batches); err != nil {
			setUnknown(claims, err)
			return fmt.Errorf("claim status of epoch %s: %w", c.Epoch, err)
		}
		st.Block = block
		states[i] = st
	}
	supersede(claims, states, batches, r.deadBatches)
	for i, c := range claims {
		c.Status = states[i]
	}
	return nil
}

// supersede marks in-batch the claims still claimable (or underfunded or expired: the batch is what is
// offered) whose recorded batch is live (its nonce unset: not dead) and none of whose claims was used on
// its own; the claims of a live batch one of whose claims was used on its own keep their status, with a note
// that the batch is broken, and still name it (ClaimStatus.Batch) so that no new batch includes them until
// the owner retires it.
func supersede(claims []*PortalClaim, states []ClaimStatus, batches []plaudit.ClaimBatch, dead map[string]bool) {
	for i, c := range claims {
		b := batchOf(c, batches)
		if b == nil || dead[b.Nonce] || states[i].State == ClaimClaimed || states[i].State == ClaimInvalidated {
			continue
		}
		var usedAlone []string
		for j, o := range claims {
			if batchOf(o, batches) == b && (states[j].State == ClaimClaimed || states[j].State == ClaimInvalidated) && !strings.HasPrefix(states[j].Detail, "paid by the claim-all batch") {
				usedAlone = append(usedAlone, o.Epoch)
			}
		}
		if len(usedAlone) > 0 {
			slices.Sort(usedAlone)
			states[i].Detail = strings.TrimPrefix(states[i].Detail+"; ", "; ") + "the claim-all batch of " + strings.Join(b.Epochs, ", ") +
				" must not be used: " + strings.Join(usedAlone, ", ") + " was used on its own, so claim this one on its own"
			states[i].Batch = b.Nonce
			continue
		}
		states[i] = ClaimStatus{State: ClaimInBatch, Batch: b.Nonce, Block: states[i].Block,
			Detail: "in the claim-all batch of " + strings.Join(b.Epochs, ", ") + ": claim with the batch"}
	}
}

func setUnknown(claims []*PortalClaim, err error) {
	for _, c := range claims {
		c.Status = ClaimStatus{State: ClaimUnknown, Detail: "the chain node could not be read: " + plaudit.ErrorMessage(err)}
	}
}

func claimStatus(ctx context.Context, r *chainReads, c *PortalClaim, now time.Time, owed map[string]*big.Int) (ClaimStatus, error) {
	p := c.Permit
	word, bit := payout.NonceWord(p.Nonce)
	bm, err := r.bitmap(ctx, c.Permit2, c.Owner, word)
	if err != nil {
		return ClaimStatus{}, err
	}
	if bm.Bit(int(bit)) == 1 {
		return usedStatus(ctx, r, c, word, bit)
	}
	if p.Deadline.IsInt64() && now.Unix() > p.Deadline.Int64() {
		return ClaimStatus{State: ClaimExpired, Detail: fmt.Sprintf("its deadline %s passed", time.Unix(p.Deadline.Int64(), 0).UTC().Format(time.RFC3339))}, nil
	}
	k := p.Token.String() + c.Owner.String()
	if owed[k] == nil {
		owed[k] = new(big.Int)
	}
	need := new(big.Int).Add(owed[k], p.Amount)
	bal, err := r.fund(ctx, "balance", p.Token, c.Owner, c.Permit2)
	if err != nil {
		return ClaimStatus{}, err
	}
	allow, err := r.fund(ctx, "allowance", p.Token, c.Owner, c.Permit2)
	if err != nil {
		return ClaimStatus{}, err
	}
	switch {
	case bal.Cmp(need) < 0:
		return ClaimStatus{State: ClaimUnderfunded, Detail: fmt.Sprintf("the funding wallet %s holds %s base units; this claim and the older unclaimed ones need %s", c.Owner, bal, need)}, nil
	case allow.Cmp(need) < 0:
		return ClaimStatus{State: ClaimUnderfunded, Detail: fmt.Sprintf("the funding wallet %s allows Permit2 %s base units; this claim and the older unclaimed ones need %s", c.Owner, allow, need)}, nil
	}
	owed[k] = need
	return ClaimStatus{State: ClaimClaimable}, nil
}

// batchStatus corrects st for the recorded claim-all batches that include c: a used batch nonce means c
// was paid by the batch (or twice, when c's own nonce is used too).
func batchStatus(ctx context.Context, r *chainReads, c *PortalClaim, st ClaimStatus, batches []plaudit.ClaimBatch) (ClaimStatus, error) {
	for _, b := range batches {
		if !strings.EqualFold(b.Spender, c.Permit.Spender.String()) || !strings.EqualFold(b.Token, c.Permit.Token.String()) || !slices.Contains(b.Epochs, c.Epoch) {
			continue
		}
		nonce, ok := new(big.Int).SetString(b.Nonce, 10)
		if !ok {
			continue
		}
		word, bit := payout.NonceWord(nonce)
		bm, err := r.bitmap(ctx, c.Permit2, c.Owner, word)
		if err != nil {
			return st, err
		}
		if bm.Bit(int(bit)) == 0 {
			continue
		}
		r.deadBatches[b.Nonce] = true
		if retired, err := nonceInvalidated(ctx, r, c, word, bit); err != nil {
			return st, err
		} else if retired {
			continue // the owner retired the batch: it paid nothing, and its claims stand on their own
		}
		if st.State == ClaimClaimed {
			return ClaimStatus{State: ClaimClaimed, Detail: "paid twice: by its own claim and by the claim-all batch of " + strings.Join(b.Epochs, ", "), Tx: st.Tx}, nil
		}
		out := ClaimStatus{State: ClaimClaimed, Detail: "paid by the claim-all batch of " + strings.Join(b.Epochs, ", ")}
		if r.ch.LogsFromBlock > 0 {
			if tx, err := transferTx(ctx, r, c); err != nil {
				return st, err
			} else if tx != nil {
				out.Tx = tx
			}
		}
		return out, nil
	}
	return st, nil
}

// nonceInvalidated reports whether the logs searched hold Permit2's UnorderedNonceInvalidation by c's owner
// covering bit of word: the owner retired that nonce rather than a permit using it. Without logs
// (LogsFromBlock 0) it cannot tell and reports false.
func nonceInvalidated(ctx context.Context, r *chainReads, c *PortalClaim, word *big.Int, bit uint) (bool, error) {
	if r.ch.LogsFromBlock == 0 {
		return false, nil
	}
	owner := chain.AddressTopic(c.Owner)
	invs, err := r.logsOf(ctx, c.Permit2, &chain.TopicUnorderedNonceInvalidation, &owner)
	if err != nil {
		return false, err
	}
	for _, l := range invs {
		if len(l.Data) == 64 && new(big.Int).SetBytes(l.Data[:32]).Cmp(word) == 0 && new(big.Int).SetBytes(l.Data[32:]).Bit(int(bit)) == 1 {
			return true, nil
		}
	}
	return false, nil
}

// transferTx finds the transaction of a Transfer of c's amount from its owner to its wallet in the logs.
func transferTx(ctx context.Context, r *chainReads, c *PortalClaim) (*payout.Hash, error) {
	owner, to := chain.AddressTopic(c.Owner), chain.AddressTopic(c.Permit.Spender)
	transfers, err := r.logsOf(ctx, c.Permit.Token, &chain.TopicTransfer, &owner, &to)
	if err != nil {
		return nil, err
	}
	for _, l := range transfers {
		if len(l.Data) == 32 && new(big.Int).SetBytes(l.Data).Cmp(c.Permit.Amount) == 0 {
			tx := l.TxHash
			return &tx, nil
		}
	}
	return nil, nil
}

// usedStatus tells a used nonce's claim from an invalidated one by the logs, when they are searched.
func usedStatus(ctx context.Context, r *chainReads, c *PortalClaim, word *big.Int, bit uint) (ClaimStatus, error) {
	if r.ch.LogsFromBlock == 0 {
		return ClaimStatus{State: ClaimClaimed, Detail: "its nonce is used (claimed, or invalidated by the owner: set chain.logs_from_block to tell them apart)"}, nil
	}
	owner := chain.AddressTopic(c.Owner)
	invs, err := r.logsOf(ctx, c.Permit2, &chain.TopicUnorderedNonceInvalidation, &owner)
	if err != nil {
		return ClaimStatus{}, err
	}
	for _, l := range invs {
		if len(l.Data) != 64 || new(big.Int).SetBytes(l.Data[:32]).Cmp(word) != 0 {
			continue
		}
		if new(big.Int).SetBytes(l.Data[32:]).Bit(int(bit)) == 1 {
			tx := l.TxHash
			return ClaimStatus{State: ClaimInvalidated, Detail: fmt.Sprintf("the owner invalidated its nonce in block %d", l.BlockNumber), Tx: &tx}, nil
		}
	}
	tx, err := transferTx(ctx, r, c)
	if err != nil {
		return ClaimStatus{}, err
	}
	if tx != nil {
		return ClaimStatus{State: ClaimClaimed, Detail: "claimed", Tx: tx}, nil
	}
	return ClaimStatus{State: ClaimClaimed, Detail: "its nonce is used; no transfer of this amount was found in the logs searched"}, nil
}

// BatchClaim is "claim all": one PermitBatchTransferFrom signature paying a wallet several of its claims of
// one token in one transaction, with the transfer details to pass Permit2 and the claims it replaces.
type BatchClaim struct {
	ChainID         uint64             `json:"chainId"`
	Permit2         payout.Address     `json:"permit2"`
	Owner           payout.Address     `json:"owner"`
	Permit          payout.BatchPermit `json:"permit"`
	TransferDetails []TransferDetail   `json:"transferDetails"`
	Signature       payout.Signature   `json:"signature"`
	Epochs          []string           `json:"epochs"`
	TypedData       payout.TypedData   `json:"-"`
	// Invalidate are the Permit2 invalidateUnorderedNonces(wordPos, mask) calls that retire the single
	// claims the batch replaces: the owner sends them so that a claim is never paid both ways.
	Invalidate []NonceInvalidation `json:"invalidate"`
}

// TransferDetail is Permit2's SignatureTransferDetails: where each permitted entry goes and how much.
type TransferDetail struct {
	To              payout.Address `json:"to"`
	RequestedAmount string         `json:"requestedAmount"`
}

// NonceInvalidation is one invalidateUnorderedNonces(wordPos, mask) call, numbers as decimal strings.
type NonceInvalidation struct {
	WordPos string `json:"wordPos"`
	Mask    string `json:"mask"`
}

// ClaimAll signs one batch permit over claims' claims of token that are not known to be used or dead
// (claimable, in-batch, or unknown without a chain): "claim all" in one transaction. The caller passes
// either the claims of one recorded batch (which gives that batch again, byte for byte) or claims in no
// batch, never both, so that no claim is ever in two live batches. All must be for one wallet and
// signed by key's owner. Fewer than two such claims is EINVALID (a single claim needs no batch). The nonce is
// payout.BatchNonce of the claims' epochs, so the same claims give the same batch, byte for byte.
func ClaimAll(key *ClaimKey, claims []*PortalClaim, token payout.Address) (*BatchClaim, error) {
	if key == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "claim all: this server has no payout signer (payout.signer_key)")
	}
	var pick []*PortalClaim
	for _, c := range claims {
		if c.Permit.Token == token && (c.Status.State == ClaimClaimable || c.Status.State == ClaimUnknown || c.Status.State == ClaimInBatch) {
			pick = append(pick, c)
		}
	}
	if len(pick) < 2 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "claim all: %d unclaimed claim(s) of token %s: a batch needs two or more", len(pick), token)
	}
	slices.SortFunc(pick, func(a, b *PortalClaim) int { return strings.Compare(a.Epoch, b.Epoch) })
	spender := pick[0].Permit.Spender
	var programs, epochs []string
	masks := map[string]*big.Int{}
	var words []string
	b := &BatchClaim{ChainID: key.Domain.ChainID, Permit2: key.Domain.Permit2, Invalidate: []NonceInvalidation{}}
	for _, c := range pick {
		if c.Permit.Spender != spender {
			return nil, plaudit.Errorf(plaudit.EINVALID, "claim all: the claims are for %s and %s: a batch pays one wallet", spender, c.Permit.Spender)
		}
		if !slices.Contains(programs, c.Program) {
			programs = append(programs, c.Program)
		}
		epochs = append(epochs, c.Epoch)
		b.Permit.Permitted = append(b.Permit.Permitted, payout.TokenAmount{Token: token, Amount: new(big.Int).Set(c.Permit.Amount)})
		b.TransferDetails = append(b.TransferDetails, TransferDetail{To: spender, RequestedAmount: c.Permit.Amount.String()})
		w, bit := payout.NonceWord(c.Permit.Nonce)
		if masks[w.String()] == nil {
			masks[w.String()] = new(big.Int)
			words = append(words, w.String())
		}
		masks[w.String()].SetBit(masks[w.String()], int(bit), 1)
	}
	for _, w := range words {
		b.Invalidate = append(b.Invalidate, NonceInvalidation{WordPos: w, Mask: masks[w].String()})
	}
	slices.Sort(programs)
	b.Epochs = epochs
	b.Permit.Spender = spender
	b.Permit.Nonce = payout.BatchNonce(strings.Join(programs, ","), epochs, token, spender)
	b.Permit.Deadline = payout.MaxUint256()
	signer, err := key.Key.Signer()
	if err != nil {
		return nil, err
	}
	defer signer.Destroy()
	if signer.Address() != pick[0].Owner {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "claim all: the claims were signed by %s, the server's key is %s", pick[0].Owner, signer.Address())
	}
	b.Owner = signer.Address()
	if b.Signature, err = signer.SignBatchPermit(key.Domain, b.Permit); err != nil {
		return nil, fmt.Errorf("claim all: %w", err)
	}
	b.TypedData = payout.BatchTypedData(key.Domain, b.Permit)
	return b, nil
}

// IssueClaimAll is ClaimAll that records the batch handed out (when the store keeps batches), so that the
// claims it pays show as claimed once it is used, and a claim paid twice says so.
func (s *Service) IssueClaimAll(ctx context.Context, key *ClaimKey, claims []*PortalClaim, token payout.Address) (*BatchClaim, error) {
	b, err := ClaimAll(key, claims, token)
	if err != nil {
		return nil, err
	}
	if bs, ok := s.store.(plaudit.ClaimBatchStore); ok {
		epochs := slices.Clone(b.Epochs)
		slices.Sort(epochs)
		if err := bs.RecordClaimBatch(ctx, &plaudit.ClaimBatch{Nonce: b.Permit.Nonce.String(), Spender: b.Permit.Spender.String(), Token: token.String(),
			Epochs: epochs, Created: s.now().UTC()}); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// InvalidateNoncesSignature is the Solidity signature of Permit2's SignatureTransfer
// invalidateUnorderedNonces: the owner (msg.sender) sets the bits of mask in its nonce bitmap word wordPos,
// so that no permit with one of those nonces can be used.
const InvalidateNoncesSignature = "invalidateUnorderedNonces(uint256,uint256)"

// Selector returns the 4-byte function selector of a Solidity function signature: the first four bytes of
// its Keccak-256.
func Selector(signature string) [4]byte {
	h := payout.Keccak256([]byte(signature))
	return [4]byte{h[0], h[1], h[2], h[3]}
}

// NonceCall is one invalidateUnorderedNonces(wordPos, mask) call with its exact calldata (hex, 0x-prefixed).
type NonceCall struct {
	WordPos  string `json:"wordPos"` // decimal
	Mask     string `json:"mask"`    // decimal
	Calldata string `json:"calldata"`
}

// InvalidationCalls groups nonces by bitmap word, in ascending word order, and returns one call per word
// setting all of that word's bits: what the owner sends to retire them.
func InvalidationCalls(nonces []*big.Int) []NonceCall {
	masks := map[string]*big.Int{}
	words := map[string]*big.Int{}
	for _, n := range nonces {
		w, bit := payout.NonceWord(n)
		k := w.String()
		if masks[k] == nil {
			masks[k], words[k] = new(big.Int), w
		}
		masks[k].SetBit(masks[k], int(bit), 1)
	}
	keys := make([]*big.Int, 0, len(words))
	for _, w := range words {
		keys = append(keys, w)
	}
	slices.SortFunc(keys, func(a, b *big.Int) int { return a.Cmp(b) })
	sel := Selector(InvalidateNoncesSignature)
	out := make([]NonceCall, 0, len(keys))
	for _, w := range keys {
		m := masks[w.String()]
		data := make([]byte, 4+64)
		copy(data, sel[:])
		w.FillBytes(data[4:36])
		m.FillBytes(data[36:68])
		out = append(out, NonceCall{WordPos: w.String(), Mask: m.String(), Calldata: "0x" + fmt.Sprintf("%x", data)})
	}
	return out
}

// BatchRetirement is an issued claim-all batch and the Permit2 calls that close its double-pay gap. A batch
// does not consume the single claims' nonces, so until the funding wallet (the permits' owner) sends
// Retire, a wallet holding a copy of a single claim could be paid by it and by the batch. If one of its
// single claims was used before the batch, send RetireBatch instead: the batch would pay that claim again,
// and the other single claims stay usable.
type BatchRetirement struct {
	plaudit.ClaimBatch
	Retire      []NonceCall `json:"retire"`      // retire the single claims the batch supersedes
	RetireBatch NonceCall   `json:"retireBatch"` // or retire the batch itself
}

// ClaimBatchRetirements returns every claim-all batch handed out to the wallets paid in closed epochs,
// oldest first, with the invalidateUnorderedNonces calls that retire its single claims (or the batch).
// The single claims' nonces are payout.ClaimNonce of each epoch's program, the epoch, the token and the
// wallet, exactly as they were signed. A store that records no batches has none.
func (s *Service) ClaimBatchRetirements(ctx context.Context) ([]BatchRetirement, error) {
	bs, ok := s.store.(plaudit.ClaimBatchStore)
	if !ok {
		return nil, nil
	}
	eps, err := s.Epochs(ctx, "")
	if err != nil {
		return nil, err
	}
	programs := map[string]string{}
	var wallets []string
	for _, ep := range eps {
		programs[ep.ID] = ep.Program
		allocs, err := s.allocations(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range allocs {
			if a.Paid == nil || a.Paid.Sign() <= 0 {
				continue
			}
			if addr, err := payout.ParseAddress(a.Wallet); err == nil && !slices.Contains(wallets, addr.String()) {
				wallets = append(wallets, addr.String())
			}
		}
	}
	slices.Sort(wallets)
	var out []BatchRetirement
	for _, w := range wallets {
		batches, err := bs.ClaimBatches(ctx, w)
		if err != nil {
			return nil, err
		}
		for _, b := range batches {
			token, err := payout.ParseAddress(b.Token)
			if err != nil {
				return nil, fmt.Errorf("claim batch %s: token: %w", b.Nonce, err)
			}
			spender, err := payout.ParseAddress(b.Spender)
			if err != nil {
				return nil, fmt.Errorf("claim batch %s: wallet: %w", b.Nonce, err)
			}
			var nonces []*big.Int
			for _, e := range b.Epochs {
				prog, ok := programs[e]
				if !ok {
					return nil, fmt.Errorf("claim batch %s: epoch %s is not closed", b.Nonce, e)
				}
				nonces = append(nonces, payout.ClaimNonce(prog, e, token, spender))
			}
			bn, ok := new(big.Int).SetString(b.Nonce, 10)
			if !ok {
				return nil, fmt.Errorf("claim batch %s: nonce is not a decimal number", b.Nonce)
			}
			out = append(out, BatchRetirement{ClaimBatch: b, Retire: InvalidationCalls(nonces), RetireBatch: InvalidationCalls([]*big.Int{bn})[0]})
		}
	}
	slices.SortStableFunc(out, func(a, b BatchRetirement) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Nonce, b.Nonce)
	})
	return out, nil
}
