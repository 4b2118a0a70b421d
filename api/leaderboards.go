package api

import (
	"encoding/json"
	"hash/crc32"
	"math/big"
	"net/http"
	"strconv"
	"sync"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/leaderboard", s.getLeaderboard, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	})
}

// LeaderboardEntry is one member's line on a leaderboard: rank, points after integrity verdicts, the points
// before them, the rules the points came from, and the verdict on the member when there is one.
type LeaderboardEntry struct {
	Rank   int            `json:"rank"`
	Member string         `json:"member"`
	Points plaudit.Points `json:"points"`
	// PointsBeforeVerdicts is what the member's scores came to before integrity verdicts.
	PointsBeforeVerdicts plaudit.Points      `json:"points_before_verdicts"`
	Scores               int                 `json:"scores"`
	Adjusted             int                 `json:"adjusted"` // scores a verdict changed
	Reasons              []score.Reason      `json:"reasons"`
	Verdict              *plaudit.RunVerdict `json:"verdict,omitempty"`
	// Paid (base units of the board's token) and Wallet on epoch and program boards.
	Paid   *big.Int `json:"paid,omitempty"`
	Wallet string   `json:"wallet,omitempty"`
	Epochs int      `json:"epochs,omitempty"`
}

// LeaderboardResponse is the body of GET /v1/leaderboard.
type LeaderboardResponse struct {
	Policy   string             `json:"policy"`
	Week     string             `json:"week,omitempty"`    // the ISO week; absent for all time
	Epoch    string             `json:"epoch,omitempty"`   // the closed epoch of an epoch board
	Program  string             `json:"program,omitempty"` // the program of an epoch or program board
	Epochs   int                `json:"epochs,omitempty"`  // closed epochs a program board sums
	Token    string             `json:"token,omitempty"`   // what paid is counted in
	Decimals int                `json:"decimals,omitempty"`
	Runs     []int64            `json:"integrity_runs"` // the integrity runs whose verdicts apply
	Members  int                `json:"members"`        // members with points on the board
	Entries  []LeaderboardEntry `json:"entries"`
	Next     string             `json:"next,omitempty"`
}

// getLeaderboard answers the members by points after integrity verdicts: under the active policy all time or
// in one ISO week (week=2026-W02), in one closed epoch (epoch=ID) or over a program's closed epochs
// (program=NAME), with each member's reasons and verdict.
func (s *Server) getLeaderboard(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "week", "epoch", "program", "cursor", "limit")
	var req service.LeaderboardRequest
	if wk := q.String("week"); wk != "" {
		var err error
		if req.Year, req.Week, err = service.ParseISOWeek(wk); err != nil {
			q.fail("week", "%s", plaudit.ErrorMessage(err))
		}
	}
	req.Epoch, req.Program = q.String("epoch"), q.String("program")
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	b, err := s.Service.Leaderboard(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A board of one version is the same board: its pages are encoded once and carry an ETag, so that a
	// busy board costs the server the version check and a poller that sends If-None-Match gets 304.
	key := b.Version + "?" + r.URL.RawQuery
	body, ok := s.boardPages.get(b.Version, key)
	if !ok {
		body = s.encodeBoardPage(b, req, page)
		if body == nil {
			writeError(w, http.StatusInternalServerError, plaudit.EINTERNAL, "internal error")
			return
		}
		s.boardPages.put(b.Version, key, body)
	}
	etag := `"` + b.Version + "-" + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(r.URL.RawQuery))), 16) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache") // revalidate each time: the board changes as events are scored
	if match := r.Header.Get("If-None-Match"); match != "" && match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// encodeBoardPage encodes one page of b as GET /v1/leaderboard answers it; nil if it cannot be encoded.
func (s *Server) encodeBoardPage(b *service.Leaderboard, req service.LeaderboardRequest, page Page) []byte {
	entries, next := Paginate(b.Entries, page)
	out := LeaderboardResponse{Policy: b.Policy.Hash, Program: b.Program, Epochs: b.Epochs, Token: b.Token, Decimals: b.Decimals,
		Runs: b.Runs, Members: b.Members, Entries: make([]LeaderboardEntry, len(entries)), Next: next}
	if out.Runs == nil {
		out.Runs = []int64{}
	}
	if req.Week != 0 {
		out.Week = isoWeek(req.Year, req.Week)
	}
	if b.Epoch != nil {
		out.Epoch, out.Epochs = b.Epoch.ID, 0
	}
	for i, t := range entries {
		e := LeaderboardEntry{Rank: page.Offset + i + 1, Member: t.Member, Points: t.Points, PointsBeforeVerdicts: t.Raw,
			Scores: t.Scores, Adjusted: t.Adjusted, Reasons: t.Reasons, Verdict: t.Verdict, Paid: t.Paid, Wallet: t.Wallet, Epochs: t.Epochs}
		if e.Reasons == nil {
			e.Reasons = []score.Reason{}
		}
		out.Entries[i] = e
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.Logger.Error("api: encode the leaderboard", "err", err)
		return nil
	}
	return append(body, '\n')
}

// pageCache keeps encoded pages of one version of a resource; a new version drops the old pages.
type pageCache struct {
	mu      sync.Mutex
	version string
	pages   map[string][]byte
}

// maxCachedPages bounds the pages kept for one version (deep pages are rarely asked twice).
const maxCachedPages = 256

func (c *pageCache) get(version, key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return nil, false
	}
	b, ok := c.pages[key]
	return b, ok
}

func (c *pageCache) put(version, key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || len(c.pages) >= maxCachedPages {
		c.version, c.pages = version, map[string][]byte{}
	}
	c.pages[key] = body
}
