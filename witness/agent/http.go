package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// HTTP is a Source over the operator's API with a witness key: GET /v1/witness/epochs, GET
// /v1/witness/epochs/{id}/inputs and POST /v1/witness/epochs/{id}/attestations or …/disputes.
type HTTP struct {
	BaseURL string       // e.g. https://plaudit.example.org
	Key     string       // the witness API key (never logged)
	Client  *http.Client // nil: http.DefaultClient
}

func (h HTTP) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(h.BaseURL, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+h.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var p struct {
			Detail string `json:"detail"`
			Code   string `json:"code"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		_ = json.Unmarshal(b, &p)
		code := p.Code
		if code == "" {
			code = plaudit.EINTERNAL
		}
		return nil, plaudit.Errorf(code, "%s %s: %s: %s", method, path, resp.Status, p.Detail)
	}
	return resp, nil
}

func (h HTTP) getJSON(ctx context.Context, path string, v any) error {
	resp, err := h.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// Pending implements Source.
func (h HTTP) Pending(ctx context.Context) ([]*service.WitnessState, error) {
	var page struct {
		Epochs []*service.WitnessState `json:"epochs"`
	}
	if err := h.getJSON(ctx, "/v1/witness/epochs", &page); err != nil {
		return nil, err
	}
	return page.Epochs, nil
}

// Inputs implements Source.
func (h HTTP) Inputs(ctx context.Context, epoch string) (*service.EpochInputs, error) {
	resp, err := h.do(ctx, http.MethodGet, "/v1/witness/epochs/"+url.PathEscape(epoch)+"/inputs", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return service.ReadEpochInputs(resp.Body)
}

// Submit implements Source.
func (h HTTP) Submit(ctx context.Context, epoch string, signed []byte) (*service.WitnessState, error) {
	var head struct {
		TypedData struct {
			PrimaryType string `json:"primaryType"`
		} `json:"typed_data"`
	}
	if err := json.Unmarshal(signed, &head); err != nil {
		return nil, err
	}
	route := "/attestations"
	if head.TypedData.PrimaryType == "Dispute" {
		route = "/disputes"
	}
	resp, err := h.do(ctx, http.MethodPost, "/v1/witness/epochs/"+url.PathEscape(epoch)+route, signed)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		State *service.WitnessState `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("POST %s: %w", route, err)
	}
	return out.State, nil
}
