package neynar

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score/cast"
)

// Path is the route of Neynar's webhook.
const Path = "/webhooks/neynar"

// SignatureHeader is the header that carries the hex HMAC-SHA512 of the raw body.
const SignatureHeader = "X-Neynar-Signature"

// Appender appends events through the one validation path: *service.Service.
type Appender interface {
	AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error)
}

// Verify reports whether sig is the hex HMAC-SHA512 of body under secret, compared in constant time. A
// signature of another length (a SHA-1 or SHA-256 HMAC) is refused.
func Verify(secret, body []byte, sig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) != sha512.Size || len(secret) == 0 {
		return false
	}
	mac := hmac.New(sha512.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Neynar-Signature of body under secret, as Neynar computes it (for tests and tools).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha512.New, secret)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Handler serves POST /webhooks/neynar: verify, decode, append.
type Handler struct {
	svc    Appender
	secret []byte
	target Target
	log    *slog.Logger
}

// NewHandler returns the webhook handler appending through svc; secret is the webhook's signing secret.
func NewHandler(svc Appender, secret string, target Target, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, secret: []byte(secret), target: target, log: log.With("source", "neynar")}
}

// Result is the answer to a stored webhook: the type and each event's outcome.
type Result struct {
	Type    string        `json:"type"`
	Ignored string        `json:"ignored,omitempty"`
	Events  []EventResult `json:"events"`
}

// EventResult is one stored event's outcome: accepted, or duplicate for a redelivery.
type EventResult struct {
	ID     string               `json:"id"`
	Kind   plaudit.Kind         `json:"kind"`
	Status plaudit.AppendStatus `json:"status"`
	Seq    int64                `json:"seq,omitempty"`
}

// ServeHTTP verifies the signature over the raw body before parsing anything: a missing or bad one is 401
// and stores nothing. Malformed bodies are 400 naming the field; unknown types are 200 and ignored.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		problem(w, http.StatusMethodNotAllowed, "method not allowed", "POST only")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cast.MaxWebhookSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(w, http.StatusRequestEntityTooLarge, "body too large", "a webhook body is at most 1 MiB")
			return
		}
		problem(w, http.StatusBadRequest, "unreadable body", err.Error())
		return
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" || !Verify(h.secret, body, sig) {
		h.log.WarnContext(r.Context(), "neynar webhook refused: bad signature", "missing", sig == "", "bytes", len(body))
		problem(w, http.StatusUnauthorized, "bad signature", "X-Neynar-Signature must be the hex HMAC-SHA512 of the body with the webhook's secret")
		return
	}
	d, err := Decode(body, h.target)
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid webhook", err.Error())
		return
	}
	res := Result{Type: d.Type, Ignored: d.Ignored, Events: []EventResult{}}
	if d.Ignored != "" || len(d.Events) == 0 {
		h.log.InfoContext(r.Context(), "neynar webhook ignored", "type", d.Type, "why", d.Ignored)
		writeJSON(w, http.StatusOK, res)
		return
	}
	results, err := h.svc.AppendEvents(r.Context(), d.Events)
	if err != nil {
		h.log.ErrorContext(r.Context(), "neynar webhook: append", "type", d.Type, "err", err)
		problem(w, http.StatusServiceUnavailable, "store unavailable", "the events were not stored; Neynar retries")
		return
	}
	for i, ar := range results {
		e := &d.Events[i]
		if ar.Status == plaudit.Rejected {
			detail := d.Type + ": event " + e.Key() + " refused"
			if ar.Error != nil {
				detail = d.Type + ": " + ar.Error.Error() // names the event id and the field
			}
			h.log.WarnContext(r.Context(), "neynar webhook: event rejected", "type", d.Type, "event", e.Key(), "err", ar.Error)
			problem(w, http.StatusBadRequest, "invalid event", detail)
			return
		}
		res.Events = append(res.Events, EventResult{ID: e.ExternalID, Kind: e.Kind, Status: ar.Status, Seq: ar.Seq})
		h.log.InfoContext(r.Context(), "neynar webhook stored", "type", d.Type, "event", e.Key(), "status", ar.Status)
	}
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 9457 problem, as the API does.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail})
}
