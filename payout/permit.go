package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"runtime"
	"strconv"
	"sync"

	"github.com/plaudit/plaudit"
)

// The EIP-712 types of a Permit2 signature transfer, exactly as Permit2's PermitHash library and
// @uniswap/permit2-sdk's SignatureTransfer.getPermitData spell them. Permit2's domain has a name, a chain id and
// a verifying contract, and no version.
const (
	PermitTransferFromType = "PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)"
	TokenPermissionsType   = "TokenPermissions(address token,uint256 amount)"
	Permit2DomainType      = "EIP712Domain(string name,uint256 chainId,address verifyingContract)"
	Permit2Name            = "Permit2"
)

var (
	// CanonicalPermit2 is Uniswap's Permit2, deployed at the same address on every chain.
	CanonicalPermit2 = mustAddress("0x000000000022D473030F116dDEE9F6B43aC78BA3")
	// UbiquityPermit2 is the Permit2 deployment Ubiquity's payouts use.
	UbiquityPermit2 = mustAddress("0xd635918A75356D133d5840eE5c9ED070302C9C60")

	permitTransferFromTypeHash = keccak256([]byte(PermitTransferFromType))
	tokenPermissionsTypeHash   = keccak256([]byte(TokenPermissionsType))
	permit2DomainTypeHash      = keccak256([]byte(Permit2DomainType))
	permit2NameHash            = keccak256([]byte(Permit2Name))
)

func mustAddress(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

// Domain is the EIP-712 domain of one Permit2 deployment: the chain and the contract that checks the
// signature. A signature made for one domain is worthless on any other chain or contract.
type Domain struct {
	ChainID uint64
	Permit2 Address // the verifying contract; CanonicalPermit2 unless told otherwise
}

// Separator is the EIP-712 domain separator:
// keccak256(abi.encode(typeHash, keccak256("Permit2"), chainId, verifyingContract)), what Permit2's
// DOMAIN_SEPARATOR() returns on that chain.
func (d Domain) Separator() Hash {
	chain := new(big.Int).SetUint64(d.ChainID)
	c := word32(chain)
	v := addressWord(d.Permit2)
	return keccak256(permit2DomainTypeHash[:], permit2NameHash[:], c[:], v[:])
}

// Permit is Permit2's ISignatureTransfer.PermitTransferFrom plus the spender that the signature names: the
// owner (the signer) lets Spender move Amount of Token once, until Deadline, under Nonce. In a claim the spender
// is the member, who calls permitTransferFrom to pull their payout.
type Permit struct {
	Token    Address
	Amount   *big.Int // base units
	Spender  Address
	Nonce    *big.Int // any unused uint256: Permit2 nonces are an unordered bitmap (word = nonce>>8, bit = nonce&255)
	Deadline *big.Int // unix seconds; MaxUint256() for never
}

// permitJSON is the JSON shape of a Permit: Permit2's PermitTransferFrom struct plus the spender, numbers as
// decimal strings (JSON numbers cannot hold a uint256).
type permitJSON struct {
	Permitted struct {
		Token  Address `json:"token"`
		Amount string  `json:"amount"`
	} `json:"permitted"`
	Spender  Address `json:"spender"`
	Nonce    string  `json:"nonce"`
	Deadline string  `json:"deadline"`
}

// MarshalJSON writes {"permitted":{"token","amount"},"spender","nonce","deadline"}, the shape of
// @uniswap/permit2-sdk's PermitTransferFrom.
func (p Permit) MarshalJSON() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var j permitJSON
	j.Permitted.Token, j.Permitted.Amount = p.Token, p.Amount.String()
	j.Spender, j.Nonce, j.Deadline = p.Spender, p.Nonce.String(), p.Deadline.String()
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Permit) UnmarshalJSON(b []byte) error {
	var j permitJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var err error
	var q Permit
	q.Token, q.Spender = j.Permitted.Token, j.Spender
	if q.Amount, err = ParseUint256(j.Permitted.Amount); err != nil {
		return fmt.Errorf("permitted.amount: %w", err)
	}
	if q.Nonce, err = ParseUint256(j.Nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	if q.Deadline, err = ParseUint256(j.Deadline); err != nil {
		return fmt.Errorf("deadline: %w", err)
	}
	*p = q
	return nil
}

func (p Permit) check() error {
	for _, f := range []struct {
		name string
		v    *big.Int
	}{{"amount", p.Amount}, {"nonce", p.Nonce}, {"deadline", p.Deadline}} {
		if err := checkUint256(f.name, f.v); err != nil {
			return plaudit.Errorf(plaudit.EINVALID, "permit: %v", err)
		}
	}
	return nil
}

// StructHash is hashStruct(PermitTransferFrom): keccak256(abi.encode(PERMIT_TRANSFER_FROM_TYPEHASH,
// keccak256(abi.encode(TOKEN_PERMISSIONS_TYPEHASH, token, amount)), spender, nonce, deadline)), as Permit2's
// PermitHash.hash computes it with msg.sender as the spender.
func (p Permit) StructHash() (Hash, error) {
	if err := p.check(); err != nil {
		return Hash{}, err
	}
	tok, amt := addressWord(p.Token), word32(p.Amount)
	perm := keccak256(tokenPermissionsTypeHash[:], tok[:], amt[:])
	sp, n, dl := addressWord(p.Spender), word32(p.Nonce), word32(p.Deadline)
	return keccak256(permitTransferFromTypeHash[:], perm[:], sp[:], n[:], dl[:]), nil
}

// Digest is the EIP-712 digest keccak256("\x19\x01" || domainSeparator || structHash) that the owner signs and
// Permit2 checks.
func (p Permit) Digest(d Domain) (Hash, error) {
	if d.ChainID == 0 {
		return Hash{}, plaudit.Errorf(plaudit.EINVALID, "permit: chain id 0: a signature must name its chain")
	}
	sh, err := p.StructHash()
	if err != nil {
		return Hash{}, err
	}
	sep := d.Separator()
	return keccak256([]byte{0x19, 0x01}, sep[:], sh[:]), nil
}

// SignPermit signs p for domain d. The result is deterministic (RFC 6979).
func (s *Signer) SignPermit(d Domain, p Permit) (Signature, error) {
	digest, err := p.Digest(d)
	if err != nil {
		return Signature{}, err
	}
	return s.SignHash(digest)
}

// RecoverPermitSigner returns the address that signed p for d: what Permit2 compares with the owner.
func RecoverPermitSigner(d Domain, p Permit, sig Signature) (Address, error) {
	digest, err := p.Digest(d)
	if err != nil {
		return Address{}, err
	}
	return RecoverAddress(digest, sig)
}

// ClaimNonce is Plaudit's deterministic Permit2 nonce for one member's claim in one epoch:
//
//	uint256(keccak256(abi.encode(string program, string epoch, address token, address beneficiary)))
//
// Re-signing the same epoch yields the same nonce, so a claim can never be paid twice (Permit2 burns a nonce
// when it is used), while different programs, epochs, tokens and members never collide. Anyone can recompute it,
// e.g. with ethers: BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["string","string","address","address"],
// [program, epoch, token, beneficiary]))).
func ClaimNonce(program, epoch string, token, beneficiary Address) *big.Int {
	// abi.encode head: two offsets and two addresses; tail: the two strings.
	head := make([]byte, 0, 4*32)
	off1 := 4 * 32
	off2 := off1 + len(abiStringTail(program))
	o1, o2 := word32(big.NewInt(int64(off1))), word32(big.NewInt(int64(off2)))
	t, b := addressWord(token), addressWord(beneficiary)
	head = append(head, o1[:]...)
	head = append(head, o2[:]...)
	head = append(head, t[:]...)
	head = append(head, b[:]...)
	h := keccak256(head, abiStringTail(program), abiStringTail(epoch))
	return new(big.Int).SetBytes(h[:])
}

// abiStringTail is the ABI encoding of a string's data: its length, then its bytes right-padded to 32.
func abiStringTail(s string) []byte {
	n := word32(big.NewInt(int64(len(s))))
	out := append(n[:], s...)
	if r := len(s) % 32; r != 0 {
		out = append(out, make([]byte, 32-r)...)
	}
	return out
}

// UbiquityNonce is the nonce Ubiquity's permit generator uses: uint256(keccak256(utf8("<userId>-<issueNodeId>"))).
// It is here so that Plaudit can reproduce, and refuse to double-pay, a permit Ubiquity already issued.
func UbiquityNonce(userID int64, issueNodeID string) *big.Int {
	h := keccak256([]byte(strconv.FormatInt(userID, 10) + "-" + issueNodeID))
	return new(big.Int).SetBytes(h[:])
}

// Claim is one member's payout for an epoch: the member's wallet (the permit's spender) and the amount.
type Claim struct {
	Beneficiary Address
	Amount      *big.Int // base units
}

// ClaimOptions says what every claim of one batch shares.
type ClaimOptions struct {
	Domain   Domain
	Token    Address
	Deadline *big.Int // unix seconds; nil means MaxUint256 (never expires), as Ubiquity's permits
	Program  string   // the rewards program, e.g. the community's slug; part of the nonce
	Epoch    string   // the epoch id; part of the nonce
}

// SignedClaim is a claim ready to hand to its member: the permit, the owner whose tokens it moves, the
// signature, and the claim's position in the input.
type SignedClaim struct {
	Index     int       `json:"index"`
	Owner     Address   `json:"owner"`
	Permit    Permit    `json:"permit"`
	Signature Signature `json:"signature"`
}

// SignClaims signs an epoch's claims as Permit2 PermitTransferFrom permits with ClaimNonce nonces. Output
// order follows input order; claims with a zero amount are skipped (there is nothing to claim). A beneficiary
// listed twice is refused, because both claims would share one nonce and only the first could ever be used.
// Signing runs on every CPU and is deterministic: the same claims give the same bytes.
func SignClaims(ctx context.Context, s *Signer, o ClaimOptions, claims []Claim) ([]SignedClaim, error) {
	if s == nil || s.key == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sign claims: no signing key")
	}
	deadline := o.Deadline
	if deadline == nil {
		deadline = MaxUint256()
	}
	if err := checkUint256("deadline", deadline); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sign claims: %v", err)
	}
	seen := make(map[Address]int, len(claims))
	var todo []int
	for i, c := range claims {
		if err := checkUint256("amount", c.Amount); err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "sign claims: claim %d (%s): %v", i, c.Beneficiary, err)
		}
		if j, dup := seen[c.Beneficiary]; dup {
			return nil, plaudit.Errorf(plaudit.EINVALID, "sign claims: claims %d and %d are both for %s: merge them first", j, i, c.Beneficiary)
		}
		seen[c.Beneficiary] = i
		if c.Amount.Sign() > 0 {
			todo = append(todo, i)
		}
	}
	out := make([]SignedClaim, len(todo))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(todo)/64))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(todo); k += workers {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				c := claims[todo[k]]
				p := Permit{
					Token:    o.Token,
					Amount:   new(big.Int).Set(c.Amount),
					Spender:  c.Beneficiary,
					Nonce:    ClaimNonce(o.Program, o.Epoch, o.Token, c.Beneficiary),
					Deadline: new(big.Int).Set(deadline),
				}
				sig, err := s.SignPermit(o.Domain, p)
				if err != nil {
					errs[w] = fmt.Errorf("sign claim %d: %w", todo[k], err)
					return
				}
				out[k] = SignedClaim{Index: todo[k], Owner: s.addr, Permit: p, Signature: sig}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
