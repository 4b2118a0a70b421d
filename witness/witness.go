// Package witness is what a witness signs and checks, as pure functions: the EIP-712 typed data of an
// attestation (program, epoch, Merkle root, policy hash, digest of the epoch's input events, total paid) and
// of a dispute, signing them with a secp256k1 key, reading and checking what a witness sends, and the digest
// of an epoch's input events. The witness process (package witness/agent) and the service's record of
// attestations (service/witness.go) both use it, so that a signature means the same thing everywhere.
//
// The typed data is EIP-712 in the shape eth_signTypedData_v4 and ethers' verifyTypedData take, so that a
// contract checks an attestation with ecrecover and anyone checks one with an outside tool (docs/witness.md).
// The hashing is package payout's (the Permit2 code): one Keccak-256 and one ABI encoding in the project.
package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/payout"
)

// The EIP-712 domain and types of witness messages. The domain has a name and a version and no chain: an
// attestation names its program and epoch, and the same root is the same statement on any chain.
const (
	DomainName    = "Plaudit Witness"
	DomainVersion = "1"
	DomainType    = "EIP712Domain(string name,string version)"

	AttestationType = "Attestation(string program,string epoch,bytes32 root,bytes32 policyHash,bytes32 inputsDigest,uint256 totalPaid)"
	DisputeType     = "Dispute(string program,string epoch,string member,string stored,string rebuilt,string reason)"
)

var (
	domainTypeHash      = payout.Keccak256([]byte(DomainType))
	attestationTypeHash = payout.Keccak256([]byte(AttestationType))
	disputeTypeHash     = payout.Keccak256([]byte(DisputeType))
	domainSeparator     = func() payout.Hash {
		n, v := payout.Keccak256([]byte(DomainName)), payout.Keccak256([]byte(DomainVersion))
		return payout.Keccak256(domainTypeHash[:], n[:], v[:])
	}()
)

// DomainSeparator is the witness domain's EIP-712 separator, the same on every chain.
func DomainSeparator() payout.Hash { return domainSeparator }

// Attestation is what a witness states by signing: "I rebuilt epoch Epoch of Program from the events whose
// digest is InputsDigest under the policy PolicyHash, and it pays TotalPaid with the Merkle root Root."
type Attestation struct {
	Program      string
	Epoch        string
	Root         payout.Hash // the zero hash when the epoch pays no one
	PolicyHash   payout.Hash // the policy's sha256, as bytes32
	InputsDigest payout.Hash // InputsDigest of the events the epoch was settled from
	TotalPaid    *big.Int    // base units of the epoch's token
}

// StructHash is hashStruct(Attestation).
func (a *Attestation) StructHash() (payout.Hash, error) {
	if err := payout.CheckUint256("totalPaid", a.TotalPaid); err != nil {
		return payout.Hash{}, plaudit.Errorf(plaudit.EINVALID, "attestation: %v", err)
	}
	p, e := payout.Keccak256([]byte(a.Program)), payout.Keccak256([]byte(a.Epoch))
	t := payout.Uint256Word(a.TotalPaid)
	return payout.Keccak256(attestationTypeHash[:], p[:], e[:], a.Root[:], a.PolicyHash[:], a.InputsDigest[:], t[:]), nil
}

// Digest is the EIP-712 digest a witness signs and a contract recovers the witness from.
func (a *Attestation) Digest() (payout.Hash, error) {
	sh, err := a.StructHash()
	if err != nil {
		return payout.Hash{}, err
	}
	return payout.TypedDataDigest(domainSeparator, sh), nil
}

// Dispute is what a witness states when its rebuild differs from the operator's epoch: the first member
// whose line differs, both amounts (Stored: the operator's; Rebuilt: the witness's), and the whole reason.
type Dispute struct {
	Program string
	Epoch   string
	Member  string // "" when the difference is not a member's line (the totals, the digest, the root)
	Stored  string
	Rebuilt string
	Reason  string
}

// StructHash is hashStruct(Dispute).
func (d *Dispute) StructHash() payout.Hash {
	h := func(s string) []byte { x := payout.Keccak256([]byte(s)); return x[:] }
	return payout.Keccak256(disputeTypeHash[:], h(d.Program), h(d.Epoch), h(d.Member), h(d.Stored), h(d.Rebuilt), h(d.Reason))
}

// Digest is the EIP-712 digest of the dispute.
func (d *Dispute) Digest() payout.Hash {
	return payout.TypedDataDigest(domainSeparator, d.StructHash())
}

// TypedField is one field of an EIP-712 type, as eth_signTypedData_v4 lists it.
type TypedField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Types are the EIP-712 types of a witness message: the domain's and the primary type's.
type Types struct {
	EIP712Domain []TypedField `json:"EIP712Domain"`
	Attestation  []TypedField `json:"Attestation,omitempty"`
	Dispute      []TypedField `json:"Dispute,omitempty"`
}

// TypedDomain is the witness domain as JSON.
type TypedDomain struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TypedData is an EIP-712 message in the JSON shape eth_signTypedData_v4 and ethers' verifyTypedData take
// (ethers takes domain, {primaryType's fields…} and message; wallets take the whole object).
type TypedData struct {
	Domain      TypedDomain     `json:"domain"`
	Types       Types           `json:"types"`
	PrimaryType string          `json:"primaryType"`
	Message     json.RawMessage `json:"message"`
}

var domainFields = []TypedField{{"name", "string"}, {"version", "string"}}

// attestationJSON is an attestation's message: hashes as 0x-hex, the amount as a decimal string (a JSON
// number cannot hold a uint256; ethers and go-ethereum read decimal strings).
type attestationJSON struct {
	Program      string      `json:"program"`
	Epoch        string      `json:"epoch"`
	Root         payout.Hash `json:"root"`
	PolicyHash   payout.Hash `json:"policyHash"`
	InputsDigest payout.Hash `json:"inputsDigest"`
	TotalPaid    string      `json:"totalPaid"`
}

type disputeJSON struct {
	Program string `json:"program"`
	Epoch   string `json:"epoch"`
	Member  string `json:"member"`
	Stored  string `json:"stored"`
	Rebuilt string `json:"rebuilt"`
	Reason  string `json:"reason"`
}

// TypedData returns a's typed data.
func (a *Attestation) TypedData() TypedData {
	m, _ := json.Marshal(attestationJSON{a.Program, a.Epoch, a.Root, a.PolicyHash, a.InputsDigest, a.TotalPaid.String()})
	return TypedData{Domain: TypedDomain{DomainName, DomainVersion}, PrimaryType: "Attestation", Message: m,
		Types: Types{EIP712Domain: domainFields, Attestation: []TypedField{{"program", "string"}, {"epoch", "string"},
			{"root", "bytes32"}, {"policyHash", "bytes32"}, {"inputsDigest", "bytes32"}, {"totalPaid", "uint256"}}}}
}

// TypedData returns d's typed data.
func (d *Dispute) TypedData() TypedData {
	m, _ := json.Marshal(disputeJSON(*d))
	return TypedData{Domain: TypedDomain{DomainName, DomainVersion}, PrimaryType: "Dispute", Message: m,
		Types: Types{EIP712Domain: domainFields, Dispute: []TypedField{{"program", "string"}, {"epoch", "string"},
			{"member", "string"}, {"stored", "string"}, {"rebuilt", "string"}, {"reason", "string"}}}}
}

// Signed is a signed witness message as `plaudit witness attest` prints it and POST
// /v1/witness/epochs/{id}/attestations takes it: the witness's address, the typed data and the signature.
type Signed struct {
	Witness   payout.Address   `json:"witness"`
	TypedData TypedData        `json:"typed_data"`
	Signature payout.Signature `json:"signature"`
}

// SignAttestation signs a with s (RFC 6979: the same attestation gives the same bytes).
func SignAttestation(s *payout.Signer, a *Attestation) (*Signed, error) {
	digest, err := a.Digest()
	if err != nil {
		return nil, err
	}
	sig, err := s.SignHash(digest)
	if err != nil {
		return nil, err
	}
	return &Signed{Witness: s.Address(), TypedData: a.TypedData(), Signature: sig}, nil
}

// SignDispute signs d with s.
func SignDispute(s *payout.Signer, d *Dispute) (*Signed, error) {
	sig, err := s.SignHash(d.Digest())
	if err != nil {
		return nil, err
	}
	return &Signed{Witness: s.Address(), TypedData: d.TypedData(), Signature: sig}, nil
}

// MaxMessage is the largest signed witness message accepted, in bytes.
const MaxMessage = 64 << 10

// Parse reads a signed witness message strictly: the domain and the types must be exactly the witness
// domain's and the primary type's, the message must hold exactly its fields, and the signature must recover
// to the address the message names. It returns the attestation or the dispute (the other is nil). Errors
// name the field.
func Parse(data []byte) (*Signed, *Attestation, *Dispute, error) {
	bad := func(field, format string, args ...any) (*Signed, *Attestation, *Dispute, error) {
		return nil, nil, nil, plaudit.Errorf(plaudit.EINVALID, "witness message: %s: %s", field, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxMessage {
		return bad("(body)", "%d bytes, at most %d", len(data), MaxMessage)
	}
	var s Signed
	if err := strictJSON(data, &s); err != nil {
		return bad("(body)", "%v", err)
	}
	td := s.TypedData
	if td.Domain != (TypedDomain{DomainName, DomainVersion}) {
		return bad("typed_data.domain", "want {name: %q, version: %q}", DomainName, DomainVersion)
	}
	var want TypedData
	var a *Attestation
	var d *Dispute
	var digest payout.Hash
	switch td.PrimaryType {
	case "Attestation":
		var m attestationJSON
		if err := strictJSON(td.Message, &m); err != nil {
			return bad("typed_data.message", "%v", err)
		}
		paid, err := payout.ParseUint256(m.TotalPaid)
		if err != nil {
			return bad("typed_data.message.totalPaid", "%v", err)
		}
		a = &Attestation{m.Program, m.Epoch, m.Root, m.PolicyHash, m.InputsDigest, paid}
		want = a.TypedData()
		if digest, err = a.Digest(); err != nil {
			return bad("typed_data.message", "%v", err)
		}
	case "Dispute":
		var m disputeJSON
		if err := strictJSON(td.Message, &m); err != nil {
			return bad("typed_data.message", "%v", err)
		}
		d = &Dispute{m.Program, m.Epoch, m.Member, m.Stored, m.Rebuilt, m.Reason}
		want, digest = d.TypedData(), d.Digest()
	default:
		return bad("typed_data.primaryType", "want Attestation or Dispute, got %q", clip(td.PrimaryType))
	}
	if !sameTypes(td.Types, want.Types) {
		return bad("typed_data.types", "not the witness types of %s (see docs/witness.md)", td.PrimaryType)
	}
	if prog, epoch := messageNames(a, d); prog == "" || epoch == "" {
		return bad("typed_data.message", "program and epoch are required")
	}
	got, err := payout.RecoverAddress(digest, s.Signature)
	if err != nil {
		return bad("signature", "%v", err)
	}
	if got != s.Witness {
		return bad("signature", "signed by %s, not by the witness %s", got, s.Witness)
	}
	s.TypedData.Message = want.Message // the canonical bytes
	return &s, a, d, nil
}

func messageNames(a *Attestation, d *Dispute) (string, string) {
	if a != nil {
		return a.Program, a.Epoch
	}
	return d.Program, d.Epoch
}

func sameTypes(a, b Types) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// strictJSON decodes one JSON value refusing unknown fields and trailing data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON object")
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// PolicyHashWord turns a policy hash ("sha256:" and 64 hex digits) into the bytes32 an attestation signs.
func PolicyHashWord(h string) (payout.Hash, error) {
	hx, ok := strings.CutPrefix(h, "sha256:")
	var w payout.Hash
	if !ok || len(hx) != 64 {
		return w, plaudit.Errorf(plaudit.EINVALID, "policy hash %q: want sha256: and 64 hex digits", clip(h))
	}
	if _, err := hex.Decode(w[:], []byte(hx)); err != nil {
		return payout.Hash{}, plaudit.Errorf(plaudit.EINVALID, "policy hash %q: not hex", clip(h))
	}
	return w, nil
}

// RootWord turns an epoch's recorded Merkle root into bytes32: the zero hash when it pays no one.
func RootWord(root string) (payout.Hash, error) {
	if root == "" {
		return payout.Hash{}, nil
	}
	h, err := payout.ParseHash(root)
	if err != nil {
		return payout.Hash{}, plaudit.Errorf(plaudit.EINVALID, "merkle root: %v", err)
	}
	return h, nil
}

// InputsDigest is the digest of an epoch's input events: sha256 of their canonical JSON Lines (eventio's
// encoding, one event and "\n" per line) in seq order. It is what `sha256sum` gives for the events exported
// as JSON Lines, so anyone can check it.
func InputsDigest(events []plaudit.Event) (payout.Hash, error) {
	h := sha256.New()
	var buf []byte
	for i := range events {
		var err error
		if buf, err = eventio.AppendEvent(buf[:0], &events[i]); err != nil {
			return payout.Hash{}, err
		}
		h.Write(append(buf, '\n'))
	}
	var out payout.Hash
	h.Sum(out[:0])
	return out, nil
}

// ForEpoch makes the attestation of closed epoch ep from its record and the digest of its input events.
func ForEpoch(ep *plaudit.Epoch, inputs payout.Hash) (*Attestation, error) {
	root, err := RootWord(ep.Root)
	if err != nil {
		return nil, fmt.Errorf("epoch %s: %w", ep.ID, err)
	}
	ph, err := PolicyHashWord(ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("epoch %s: %w", ep.ID, err)
	}
	paid := new(big.Int)
	if ep.Paid != nil {
		paid.Set(ep.Paid)
	}
	return &Attestation{Program: ep.Program, Epoch: ep.ID, Root: root, PolicyHash: ph, InputsDigest: inputs, TotalPaid: paid}, nil
}
