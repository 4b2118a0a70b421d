package payout

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/plaudit/plaudit"
)

// PermitBatchTransferFromType is the EIP-712 type of a Permit2 batch signature transfer, as Permit2's
// PermitHash library spells it: one signature lets the spender move several (token, amount) pairs once.
const PermitBatchTransferFromType = "PermitBatchTransferFrom(TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)"

var permitBatchTransferFromTypeHash = keccak256([]byte(PermitBatchTransferFromType))

// TokenAmount is one TokenPermissions entry of a batch: a token and an amount of it, in base units.
type TokenAmount struct {
	Token  Address
	Amount *big.Int
}

// BatchPermit is Permit2's ISignatureTransfer.PermitBatchTransferFrom plus the spender the signature names:
// the owner lets Spender move each Permitted entry once, until Deadline, under the one Nonce. "Claim all"
// uses it to pay several of a member's claims of one token in one transaction.
type BatchPermit struct {
	Permitted []TokenAmount
	Spender   Address
	Nonce     *big.Int
	Deadline  *big.Int
}

func (p BatchPermit) check() error {
	if len(p.Permitted) == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "batch permit: nothing permitted")
	}
	for i, t := range p.Permitted {
		if err := checkUint256(fmt.Sprintf("permitted[%d].amount", i), t.Amount); err != nil {
			return plaudit.Errorf(plaudit.EINVALID, "batch permit: %v", err)
		}
	}
	for _, f := range []struct {
		name string
		v    *big.Int
	}{{"nonce", p.Nonce}, {"deadline", p.Deadline}} {
		if err := checkUint256(f.name, f.v); err != nil {
			return plaudit.Errorf(plaudit.EINVALID, "batch permit: %v", err)
		}
	}
	return nil
}

// StructHash is hashStruct(PermitBatchTransferFrom): keccak256(abi.encode(PERMIT_BATCH_TRANSFER_FROM_TYPEHASH,
// keccak256(abi.encodePacked(hash of each TokenPermissions)), spender, nonce, deadline)), as Permit2's
// PermitHash.hash computes it with msg.sender as the spender.
func (p BatchPermit) StructHash() (Hash, error) {
	if err := p.check(); err != nil {
		return Hash{}, err
	}
	packed := make([]byte, 0, 32*len(p.Permitted))
	for _, t := range p.Permitted {
		tok, amt := addressWord(t.Token), word32(t.Amount)
		h := keccak256(tokenPermissionsTypeHash[:], tok[:], amt[:])
		packed = append(packed, h[:]...)
	}
	perms := keccak256(packed)
	sp, n, dl := addressWord(p.Spender), word32(p.Nonce), word32(p.Deadline)
	return keccak256(permitBatchTransferFromTypeHash[:], perms[:], sp[:], n[:], dl[:]), nil
}

// Digest is the EIP-712 digest of the batch permit for domain d.
func (p BatchPermit) Digest(d Domain) (Hash, error) {
	if d.ChainID == 0 {
		return Hash{}, plaudit.Errorf(plaudit.EINVALID, "batch permit: chain id 0: a signature must name its chain")
	}
	sh, err := p.StructHash()
	if err != nil {
		return Hash{}, err
	}
	sep := d.Separator()
	return keccak256([]byte{0x19, 0x01}, sep[:], sh[:]), nil
}

// SignBatchPermit signs p for domain d, deterministically (RFC 6979).
func (s *Signer) SignBatchPermit(d Domain, p BatchPermit) (Signature, error) {
	digest, err := p.Digest(d)
	if err != nil {
		return Signature{}, err
	}
	return s.SignHash(digest)
}

// RecoverBatchSigner returns the address that signed the batch permit p for d.
func RecoverBatchSigner(d Domain, p BatchPermit, sig Signature) (Address, error) {
	digest, err := p.Digest(d)
	if err != nil {
		return Address{}, err
	}
	return RecoverAddress(digest, sig)
}

// BatchEpochPrefix starts the "epoch" string of a claim-all nonce: ClaimNonce(program,
// BatchEpochPrefix+"E1,E2,…", token, beneficiary) with the epochs sorted. It cannot collide with a single
// claim's nonce, whose epoch id never starts with it.
const BatchEpochPrefix = "claim-all:"

// BatchNonce is the Permit2 nonce of a claim-all batch paying beneficiary the claims of the given epochs in
// token: deterministic (the same claims give the same nonce, so a batch can be paid only once), and distinct
// from every single claim's nonce and from any other set of epochs.
func BatchNonce(program string, epochs []string, token, beneficiary Address) *big.Int {
	sorted := slices.Clone(epochs)
	slices.Sort(sorted)
	return ClaimNonce(program, BatchEpochPrefix+strings.Join(sorted, ","), token, beneficiary)
}

// NonceWord splits a Permit2 nonce into its bitmap word position (nonce >> 8) and bit (nonce & 255), the
// arguments of nonceBitmap and invalidateUnorderedNonces.
func NonceWord(nonce *big.Int) (word *big.Int, bit uint) {
	return new(big.Int).Rsh(nonce, 8), uint(new(big.Int).And(nonce, big.NewInt(255)).Uint64())
}

// TypedField is one field of an EIP-712 struct type.
type TypedField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// TypedDomain is Permit2's EIP-712 domain as eth_signTypedData_v4 takes it.
type TypedDomain struct {
	Name              string  `json:"name"`
	ChainID           uint64  `json:"chainId"`
	VerifyingContract Address `json:"verifyingContract"`
}

// TypedData is an EIP-712 document as wallets take it (eth_signTypedData_v4): what the owner signed, for a
// member or a wallet to check a claim's signature against.
type TypedData struct {
	Types       map[string][]TypedField `json:"types"`
	PrimaryType string                  `json:"primaryType"`
	Domain      TypedDomain             `json:"domain"`
	Message     map[string]any          `json:"message"`
}

func typedTypes(primary string, permitted string) map[string][]TypedField {
	return map[string][]TypedField{
		"EIP712Domain": {{"name", "string"}, {"chainId", "uint256"}, {"verifyingContract", "address"}},
		primary: {{"permitted", permitted}, {"spender", "address"}, {"nonce", "uint256"},
			{"deadline", "uint256"}},
		"TokenPermissions": {{"token", "address"}, {"amount", "uint256"}},
	}
}

func typedDomain(d Domain) TypedDomain {
	return TypedDomain{Name: Permit2Name, ChainID: d.ChainID, VerifyingContract: d.Permit2}
}

// PermitTypedData is the EIP-712 document of a single claim's PermitTransferFrom, numbers as decimal strings.
func PermitTypedData(d Domain, p Permit) TypedData {
	return TypedData{Types: typedTypes("PermitTransferFrom", "TokenPermissions"), PrimaryType: "PermitTransferFrom", Domain: typedDomain(d),
		Message: map[string]any{
			"permitted": map[string]string{"token": p.Token.String(), "amount": p.Amount.String()},
			"spender":   p.Spender.String(), "nonce": p.Nonce.String(), "deadline": p.Deadline.String()}}
}

// BatchTypedData is the EIP-712 document of a PermitBatchTransferFrom, numbers as decimal strings.
func BatchTypedData(d Domain, p BatchPermit) TypedData {
	perms := make([]map[string]string, len(p.Permitted))
	for i, t := range p.Permitted {
		perms[i] = map[string]string{"token": t.Token.String(), "amount": t.Amount.String()}
	}
	return TypedData{Types: typedTypes("PermitBatchTransferFrom", "TokenPermissions[]"), PrimaryType: "PermitBatchTransferFrom",
		Domain: typedDomain(d), Message: map[string]any{"permitted": perms, "spender": p.Spender.String(),
			"nonce": p.Nonce.String(), "deadline": p.Deadline.String()}}
}

type batchJSON struct {
	Permitted []tokenAmountJSON `json:"permitted"`
	Spender   Address           `json:"spender"`
	Nonce     string            `json:"nonce"`
	Deadline  string            `json:"deadline"`
}

type tokenAmountJSON struct {
	Token  Address `json:"token"`
	Amount string  `json:"amount"`
}

// MarshalJSON writes {"permitted":[{"token","amount"}…],"spender","nonce","deadline"}, the shape of
// @uniswap/permit2-sdk's PermitBatchTransferFrom, numbers as decimal strings.
func (p BatchPermit) MarshalJSON() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	j := batchJSON{Spender: p.Spender, Nonce: p.Nonce.String(), Deadline: p.Deadline.String(), Permitted: make([]tokenAmountJSON, len(p.Permitted))}
	for i, t := range p.Permitted {
		j.Permitted[i] = tokenAmountJSON{Token: t.Token, Amount: t.Amount.String()}
	}
	return json.Marshal(j)
}
