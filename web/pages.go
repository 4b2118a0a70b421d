package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

// ---- overview ----

type overviewData struct {
	O            *service.Overview
	EventsChart  template.HTML
	PointsChart  template.HTML
	LastJobs     []*jobs.Run
	JobsRunning  bool
	JobsMessage  string
	TopPoints    string
	ActivePolicy string
}

func (p *Panel) overview(w http.ResponseWriter, r *http.Request) {
	o, err := p.svc.PanelOverview(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	labels := make([]string, len(o.Days))
	for i, d := range o.Days {
		labels[i] = d.Format("Jan 2")
	}
	var evs, pts []series
	for i, src := range o.Sources {
		e := series{Name: string(src), Values: make([]float64, len(o.Days))}
		q := series{Name: string(src), Values: make([]float64, len(o.Days))}
		for d := range o.Days {
			e.Values[d] = float64(o.Events[i][d])
			q.Values[d] = pointsFloat(o.Points[i][d])
		}
		evs, pts = append(evs, e), append(pts, q)
	}
	d := overviewData{O: o,
		EventsChart: lineChart(fmt.Sprintf("Events per day by source, last %d days", service.OverviewDays), labels, evs),
		PointsChart: lineChart(fmt.Sprintf("Points per day by source, last %d days", service.OverviewDays), labels, pts)}
	if j := p.jobsAPI(); j != nil {
		d.JobsRunning = true
		runs, err := j.List(r.Context(), jobs.Filter{Limit: 500})
		if err != nil {
			d.JobsMessage = "the job history could not be read: " + plaudit.ErrorMessage(err)
		}
		seen := map[string]bool{}
		for _, run := range runs {
			if !seen[run.Kind] {
				seen[run.Kind] = true
				d.LastJobs = append(d.LastJobs, run)
			}
		}
		sort.Slice(d.LastJobs, func(i, j int) bool { return d.LastJobs[i].Kind < d.LastJobs[j].Kind })
	}
	p.show(w, r, "overview", "Overview", d)
}

// pointsFloat is for drawing only: nothing settled is ever computed from it.
func pointsFloat(v plaudit.Points) float64 {
	f, _ := strconv.ParseFloat(v.String(), 64)
	return f
}

func (p *Panel) jobsAPI() Jobs {
	if p.opts.Jobs == nil {
		return nil
	}
	return p.opts.Jobs()
}

// ---- posts and events ----

type eventsData struct {
	Source, Kind, Category string
	Sources                []plaudit.Source
	Events                 []plaudit.Event
	Matched                int
}

// maxEventRows is how many of the newest matching events the events page lists.
const maxEventRows = 100

func (p *Panel) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := eventsData{Source: q.Get("source"), Kind: q.Get("kind"), Category: q.Get("category"), Sources: plaudit.Sources}
	var f plaudit.EventFilter
	if d.Source != "" {
		if !plaudit.Source(d.Source).Valid() {
			p.problem(w, r, http.StatusBadRequest, "Bad filter", fmt.Sprintf("source %q: unknown", d.Source))
			return
		}
		f.Sources = []plaudit.Source{plaudit.Source(d.Source)}
	}
	if d.Kind != "" {
		f.Kinds = []plaudit.Kind{plaudit.Kind(d.Kind)}
	}
	ring := make([]plaudit.Event, 0, maxEventRows)
	err := p.svc.ScanEvents(r.Context(), f, func(e *plaudit.Event) error {
		if d.Category != "" {
			if c, _ := e.Attrs["category"].(string); c != d.Category {
				return nil
			}
		}
		d.Matched++
		if len(ring) == maxEventRows {
			copy(ring, ring[1:])
			ring = ring[:maxEventRows-1]
		}
		ring = append(ring, *e)
		return nil
	})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
		ring[i], ring[j] = ring[j], ring[i]
	}
	d.Events = ring
	p.show(w, r, "events", "Posts and events", d)
}

// ---- invalidating an event ----

type invalidateData struct {
	Key    string
	Effect *service.InvalidationEffect // before an invalidation: the preview; after one: the result
	Before *service.InvalidationEffect // after an invalidation: what it contributed before
	Reason string                      // the reason the operator typed, kept when the form is refused
	Error  string                      // why the form was refused
	Done   bool                        // the invalidation has just been recorded
}

func init() { funcs["invalidatable"] = invalidatable }

// invalidatable reports whether the events page offers to invalidate e: operator, identity and delete
// events carry no points (the service refuses them too).
func invalidatable(e *plaudit.Event) bool {
	return e.Source != plaudit.SourcePlaudit && !e.Kind.IsIdentity() && e.Kind != plaudit.KindDelete
}

// invalidatePage shows what an event contributes to the points now, per event and member, before an
// operator confirms its invalidation (service.InvalidationPreview); viewers see it without the form.
func (p *Panel) invalidatePage(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("event")
	eff, err := p.svc.InvalidationPreview(r.Context(), key)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.show(w, r, "invalidate", "Invalidate "+key, invalidateData{Key: key, Effect: eff})
}

// invalidate records the invalidation (service.InvalidateEvent) as the signed-in operator, and shows the
// change: the points before and after. A refusal (no reason, invalidated already) shows the preview again
// with the message; an unknown event is a 404 page.
func (p *Panel) invalidate(w http.ResponseWriter, r *http.Request) {
	key, reason := r.PostForm.Get("event"), r.PostForm.Get("reason")
	res, err := p.svc.InvalidateEvent(r.Context(), service.InvalidateRequest{Event: key, By: operatorName(r), Reason: reason})
	if err != nil {
		code := plaudit.ErrorCode(err)
		if code != plaudit.EINVALID && code != plaudit.ECONFLICT {
			p.fail(w, r, err)
			return
		}
		eff, perr := p.svc.InvalidationPreview(r.Context(), key)
		if perr != nil {
			p.fail(w, r, perr)
			return
		}
		p.render(w, r, api.StatusOf(code), "invalidate", "Invalidate "+key, callerOf(r),
			invalidateData{Key: key, Effect: eff, Reason: reason, Error: plaudit.ErrorMessage(err)})
		return
	}
	p.log.Info("panel: event invalidated", "event", key, "by", operatorName(r))
	p.show(w, r, "invalidate", "Invalidated "+key, invalidateData{Key: key, Effect: res.After, Before: res.Before, Done: true})
}

// ---- leaderboard ----

type boardData struct {
	Board        *service.Leaderboard
	Kind         string // all, week, epoch
	Week, Epoch  string
	Epochs       []*plaudit.Epoch
	Tiers        map[string]int
	Query        string
	PaidDecimals int
}

func (p *Panel) boardRequest(r *http.Request) (service.LeaderboardRequest, boardData, error) {
	q := r.URL.Query()
	d := boardData{Kind: q.Get("board"), Week: q.Get("week"), Epoch: q.Get("epoch")}
	var req service.LeaderboardRequest
	switch d.Kind {
	case "", "all":
		d.Kind = "all"
	case "week":
		if d.Week == "" {
			y, wk := p.svc.Now().UTC().ISOWeek()
			d.Week = fmt.Sprintf("%d-W%02d", y, wk)
		}
		var err error
		if req.Year, req.Week, err = service.ParseISOWeek(d.Week); err != nil {
			return req, d, err
		}
	case "epoch":
		if d.Epoch == "" {
			return req, d, plaudit.Errorf(plaudit.EINVALID, "epoch board: choose an epoch")
		}
		req.Epoch = d.Epoch
	default:
		return req, d, plaudit.Errorf(plaudit.EINVALID, "board %q: want all, week or epoch", d.Kind)
	}
	d.Query = "board=" + queryEscape(d.Kind) + "&week=" + queryEscape(d.Week) + "&epoch=" + queryEscape(d.Epoch)
	return req, d, nil
}

func (p *Panel) leaderboard(w http.ResponseWriter, r *http.Request) {
	req, d, err := p.boardRequest(r)
	if err == nil {
		d.Board, err = p.svc.Leaderboard(r.Context(), req)
	}
	if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		p.fail(w, r, err)
		return
	}
	if d.Epochs, err = p.svc.Epochs(r.Context(), ""); err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		p.fail(w, r, err)
		return
	}
	d.Tiers = map[string]int{}
	if ms, err := p.svc.Members(r.Context(), ""); err == nil {
		for _, m := range ms {
			d.Tiers[m.Handle] = m.Tier
		}
	}
	p.show(w, r, "leaderboard", "Leaderboard", d)
}

// leaderboardCSV exports the board the page shows: rank, member, tier, points after verdicts, points
// before, scores, verdict multiplier and (epoch boards) the payout.
func (p *Panel) leaderboardCSV(w http.ResponseWriter, r *http.Request) {
	req, d, err := p.boardRequest(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	b, err := p.svc.Leaderboard(r.Context(), req)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	tiers := map[string]int{}
	if ms, err := p.svc.Members(r.Context(), ""); err == nil {
		for _, m := range ms {
			tiers[m.Handle] = m.Tier
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"rank", "member", "tier", "points", "raw_points", "scores", "verdict", "paid", "wallet"})
	for i, e := range b.Entries {
		verdict := ""
		if e.Verdict != nil {
			verdict = e.Verdict.Verdict.Multiplier.String()
		}
		paid := ""
		if e.Paid != nil {
			paid = e.Paid.String()
		}
		_ = cw.Write([]string{strconv.Itoa(i + 1), csvSafe(e.Member), strconv.Itoa(tiers[e.Member]), e.Points.String(), e.Raw.String(),
			strconv.Itoa(e.Scores), verdict, paid, e.Wallet})
	}
	cw.Flush()
	name := "leaderboard-" + d.Kind
	switch d.Kind {
	case "week":
		name += "-" + d.Week
	case "epoch":
		name += "-" + strings.NewReplacer(":", "-", "@", "-").Replace(d.Epoch)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(name)+`.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

// ---- rules ----

type ruleLine struct {
	Gap   bool // lines left out before this one
	N     int
	Text  string
	Error string
}

type rulesData struct {
	Active    *plaudit.PolicyRecord
	Document  string
	History   []service.PolicyVersion
	Lines     []ruleLine // the document with its errors at their lines, after a failed preview
	Errors    []string
	Preview   *service.Replay
	Published string
}

func (p *Panel) rulesBase(r *http.Request) (*rulesData, error) {
	d := &rulesData{}
	rec, err := p.svc.ActivePolicyRecord(r.Context())
	if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, err
	}
	if rec != nil {
		d.Active, d.Document = rec, rec.Document
	}
	if d.History, err = p.svc.PolicyHistory(r.Context()); err != nil {
		return nil, err
	}
	return d, nil
}

func (p *Panel) rules(w http.ResponseWriter, r *http.Request) {
	d, err := p.rulesBase(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Published = r.URL.Query().Get("published")
	p.show(w, r, "rules", "Rules", d)
}

// rulesPreview validates the posted policy and, when it is valid, replays the log under it against the
// active policy: who gains and who loses. Errors are shown at their lines of the document.
func (p *Panel) rulesPreview(w http.ResponseWriter, r *http.Request) {
	d, err := p.rulesBase(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Document = r.PostForm.Get("policy")
	d.Preview, err = p.svc.PreviewPolicy(r.Context(), []byte(d.Document), "the edited policy")
	if err != nil {
		if !invalid(err) {
			p.fail(w, r, err)
			return
		}
		d.Errors, d.Lines = documentErrors(d.Document, err)
		p.render(w, r, http.StatusUnprocessableEntity, "rules", "Rules", callerOf(r), d)
		return
	}
	p.show(w, r, "rules", "Rules", d)
}

// invalid reports whether err is bad input: a validation error with its lines and fields, or EINVALID.
func invalid(err error) bool {
	var ve *plaudit.ValidationError
	var fe *plaudit.FieldError
	return errors.As(err, &ve) || errors.As(err, &fe) || plaudit.ErrorCode(err) == plaudit.EINVALID
}

// documentErrors splits a policy error into messages, and numbers the document's lines with each error
// placed at its line.
func documentErrors(doc string, err error) ([]string, []ruleLine) {
	var msgs []string
	at := map[int][]string{}
	var ve *plaudit.ValidationError
	var fe *plaudit.FieldError
	switch {
	case errors.As(err, &ve):
		for _, f := range ve.Errors {
			msgs = append(msgs, f.Error())
			at[f.Line] = append(at[f.Line], atLine(f))
		}
	case errors.As(err, &fe):
		msgs = append(msgs, fe.Error())
		at[fe.Line] = append(at[fe.Line], atLine(fe))
	default:
		msgs = append(msgs, plaudit.ErrorMessage(err))
	}
	// The lines around each error (three either side), with a gap marked where lines are left out.
	lines := strings.Split(doc, "\n")
	var out []ruleLine
	last := 0
	for i, l := range lines {
		near := false
		for n := range at {
			if n > 0 && i+1 >= n-3 && i+1 <= n+3 {
				near = true
			}
		}
		if !near {
			continue
		}
		if last > 0 && i+1 > last+1 {
			out = append(out, ruleLine{Gap: true})
		}
		out = append(out, ruleLine{N: i + 1, Text: l, Error: strings.Join(at[i+1], "; ")})
		last = i + 1
	}
	return msgs, out
}

// atLine is a field error without its line, for showing at the line.
func atLine(f *plaudit.FieldError) string {
	if f.Field == "" {
		return f.Reason
	}
	return "field " + f.Field + ": " + f.Reason
}

func (p *Panel) rulesPublish(w http.ResponseWriter, r *http.Request) {
	doc := r.PostForm.Get("policy")
	pol, err := p.svc.ActivatePolicy(r.Context(), []byte(doc), "panel", operatorName(r))
	if err != nil {
		if invalid(err) {
			d, berr := p.rulesBase(r)
			if berr != nil {
				p.fail(w, r, berr)
				return
			}
			d.Document = doc
			d.Errors, d.Lines = documentErrors(doc, err)
			p.render(w, r, http.StatusUnprocessableEntity, "rules", "Rules", callerOf(r), d)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.log.Info("panel: policy published", "hash", pol.Hash(), "by", operatorName(r))
	back(w, r, Prefix+"rules?published="+queryEscape(pol.Hash()), "Published policy "+pol.Hash())
}

// ---- jobs ----

type jobsData struct {
	Running bool
	Kinds   []string
	Runs    []*jobs.Run
	Error   string
}

func (p *Panel) jobs(w http.ResponseWriter, r *http.Request) {
	d := jobsData{}
	if j := p.jobsAPI(); j != nil {
		d.Running, d.Kinds = true, j.Kinds()
		runs, err := j.List(r.Context(), jobs.Filter{Kind: r.URL.Query().Get("kind"), Limit: 100})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.Runs = runs
	}
	p.show(w, r, "jobs", "Jobs", d)
}

func (p *Panel) jobTrigger(w http.ResponseWriter, r *http.Request) {
	j := p.jobsAPI()
	if j == nil {
		p.problem(w, r, http.StatusServiceUnavailable, "No scheduler", "this server runs no job scheduler")
		return
	}
	kind := r.PostForm.Get("kind")
	id, running, err := j.Trigger(r.Context(), kind, nil)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("Job %d (%s) queued.", id, kind)
	if running {
		msg = fmt.Sprintf("A %s job is already running (job %d): nothing new was queued.", kind, id)
	}
	p.log.Info("panel: job triggered", "kind", kind, "id", id, "already_running", running, "by", operatorName(r))
	back(w, r, Prefix+"jobs", msg)
}

// ---- epochs ----

type epochsData struct {
	Epochs  []*plaudit.Epoch
	Chart   template.HTML
	Pending []service.ReviewEntry // the review items waiting for a decision, linked from the page
	// Batches are the claim-all batches handed out, with the Permit2 calls that retire the single claims
	// they supersede (service.ClaimBatchRetirements).
	Batches []service.BatchRetirement
}

func (p *Panel) epochs(w http.ResponseWriter, r *http.Request) {
	eps, err := p.svc.Epochs(r.Context(), "")
	if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		p.fail(w, r, err)
		return
	}
	var labels []string
	var paid []float64
	for _, e := range eps {
		labels = append(labels, e.Start.UTC().Format("Jan 2"))
		v, _ := strconv.ParseFloat(formatAmount(e.Paid, e.Decimals), 64)
		paid = append(paid, v)
	}
	title := "Paid per epoch"
	if len(eps) > 0 {
		title += " (" + shortToken(eps[0].Token) + ")"
	}
	sort.SliceStable(eps, func(i, j int) bool { return eps[i].Start.After(eps[j].Start) })
	pending, err := p.svc.PendingReviews(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := epochsData{Epochs: eps, Chart: barChart(title, labels, paid, palette[0]), Pending: pending}
	if d.Batches, err = p.svc.ClaimBatchRetirements(r.Context()); err != nil {
		p.fail(w, r, err)
		return
	}
	p.show(w, r, "epochs", "Epochs", d)
}

func shortToken(t string) string {
	if len(t) > 12 {
		return t[:6] + "…" + t[len(t)-4:]
	}
	return t
}

// epochClose closes the next pending epoch, or every pending epoch that has ended ("all").
func (p *Panel) epochClose(w http.ResponseWriter, r *http.Request) {
	req := service.CloseRequest{Operator: operatorName(r)}
	if r.PostForm.Get("all") == "1" {
		req.Through = p.svc.Now()
	}
	res, err := p.svc.CloseEpochs(r.Context(), req)
	if err != nil {
		back(w, r, Prefix+"epochs", "Not closed: "+plaudit.ErrorMessage(err))
		return
	}
	var ids []string
	for _, c := range res.Epochs {
		if !c.Already {
			ids = append(ids, c.Epoch.ID)
		}
	}
	msg := "Nothing to close."
	if len(ids) > 0 {
		msg = "Closed " + strings.Join(ids, ", ") + "."
	}
	if res.Open != nil {
		msg += " The next epoch, " + res.Open.ID + ", has not ended."
	}
	p.log.Info("panel: epochs closed", "epochs", ids, "by", operatorName(r))
	back(w, r, Prefix+"epochs", msg)
}

type epochData struct {
	E       *service.StoredEpoch
	Files   []string
	Verify  *service.VerifyResult
	Problem string
}

func (p *Panel) epochFiles() []string {
	f := []string{"export.csv", "export.json", "tree.json", "proofs.json"}
	if p.opts.Claims != nil {
		f = append(f, "claims.json")
	}
	return f
}

func (p *Panel) epoch(w http.ResponseWriter, r *http.Request) {
	e, err := p.svc.Epoch(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.show(w, r, "epoch", "Epoch "+e.Epoch.ID, epochData{E: e, Files: p.epochFiles()})
}

// epochVerify rebuilds the epoch from the log as it stood at its close and shows whether it matches.
func (p *Panel) epochVerify(w http.ResponseWriter, r *http.Request) {
	e, err := p.svc.Epoch(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := epochData{E: e, Files: p.epochFiles()}
	d.Verify, err = p.svc.Verify(r.Context(), e.Epoch.ID, nil, nil)
	if err != nil {
		if d.Verify == nil {
			d.Verify = &service.VerifyResult{Epoch: e.Epoch}
		}
		d.Problem = plaudit.ErrorMessage(err)
	}
	p.show(w, r, "epoch", "Epoch "+e.Epoch.ID, d)
}

// epochDownload serves one of the epoch's files: the export (CSV, JSON), OpenZeppelin's tree dump, every
// wallet's proof, and the signed Permit2 claims.
func (p *Panel) epochDownload(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	var buf bytes.Buffer
	var err error
	ctype := "application/json"
	switch file {
	case "export.csv":
		ctype = "text/csv; charset=utf-8"
		err = p.svc.ExportEpoch(r.Context(), &buf, id, "csv")
	case "export.json":
		err = p.svc.ExportEpoch(r.Context(), &buf, id, "json")
	case "tree.json", "proofs.json":
		var et *service.EpochTree
		if et, err = p.svc.EpochTree(r.Context(), id); err == nil {
			if file == "proofs.json" {
				err = payout.WriteProofs(&buf, et.Tree)
			} else {
				err = writeJSON(&buf, et.Tree.Dump())
			}
		}
	case "claims.json":
		if p.opts.Claims == nil {
			err = plaudit.Errorf(plaudit.ENOTFOUND, "no Permit2 signer is configured (payout section of the config)")
			break
		}
		var set *service.ClaimSet
		set, _, err = p.svc.EpochClaims(r.Context(), p.opts.Claims.Key, id, payout.ClaimOptions{Domain: p.opts.Claims.Domain})
		if err == nil {
			err = writeJSON(&buf, set)
		}
	default:
		err = plaudit.Errorf(plaudit.ENOTFOUND, "no file %q: want one of %s", file, strings.Join(p.epochFiles(), ", "))
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(strings.ReplaceAll(id, ":", "-")+"."+file)+`"`)
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ---- integrity ----

type ringView struct {
	service.RingFinding
	Picture template.HTML
}

type integrityData struct {
	Open, Decided []plaudit.Flag
	Appeals       []plaudit.Flag
	Audit         *service.AuditQueue
	Findings      *service.IntegrityFindings
	Rings         []ringView
	Moderators    []string
}

func (p *Panel) integrity(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	flags, err := p.svc.Flags(ctx, plaudit.FlagFilter{})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := integrityData{}
	for _, f := range flags {
		switch {
		case f.Status == "open":
			d.Open = append(d.Open, f)
		case f.Appeal != nil && f.Appeal.Outcome == "":
			d.Appeals = append(d.Appeals, f)
		default:
			d.Decided = append(d.Decided, f)
		}
	}
	if d.Audit, err = p.svc.Audit(ctx, "", ""); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Findings, err = p.svc.LatestIntegrityFindings(ctx); err != nil {
		p.fail(w, r, err)
		return
	}
	for _, rf := range d.Findings.Rings {
		d.Rings = append(d.Rings, ringView{RingFinding: rf, Picture: ringPicture(rf)})
	}
	if d.Moderators, err = p.svc.Moderators(ctx); err != nil {
		p.fail(w, r, err)
		return
	}
	p.show(w, r, "integrity", "Integrity", d)
}

func (p *Panel) flagDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.problem(w, r, http.StatusBadRequest, "Bad flag id", "want a flag number")
		return
	}
	by, note := r.PostForm.Get("moderator"), r.PostForm.Get("note")
	var msg string
	switch r.PostForm.Get("decision") {
	case "confirm":
		excl, _ := strconv.Atoi(r.PostForm.Get("exclude_epochs"))
		d, err := p.svc.ConfirmFlag(r.Context(), id, by, note, excl)
		if err != nil {
			back(w, r, Prefix+"integrity", fmt.Sprintf("Flag %d not confirmed: %s", id, plaudit.ErrorMessage(err)))
			return
		}
		msg = fmt.Sprintf("Flag %d confirmed by %s.", id, by)
		if d.Notice != "" {
			msg += " " + d.Notice
		}
	case "reject":
		if _, err := p.svc.RejectFlag(r.Context(), id, by, note); err != nil {
			back(w, r, Prefix+"integrity", fmt.Sprintf("Flag %d not rejected: %s", id, plaudit.ErrorMessage(err)))
			return
		}
		msg = fmt.Sprintf("Flag %d rejected by %s.", id, by)
	default:
		p.problem(w, r, http.StatusBadRequest, "Bad decision", "want confirm or reject")
		return
	}
	p.log.Info("panel: flag decided", "flag", id, "by", operatorName(r), "moderator", by)
	back(w, r, Prefix+"integrity", msg)
}

func (p *Panel) appealDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.problem(w, r, http.StatusBadRequest, "Bad flag id", "want a flag number")
		return
	}
	o := plaudit.AppealOutcome(r.PostForm.Get("outcome"))
	if o != plaudit.AppealUpheld && o != plaudit.AppealOverturned {
		p.problem(w, r, http.StatusBadRequest, "Bad outcome", "want upheld or overturned")
		return
	}
	by := r.PostForm.Get("moderator")
	if _, err := p.svc.DecideAppeal(r.Context(), id, by, o, r.PostForm.Get("note")); err != nil {
		back(w, r, Prefix+"integrity", fmt.Sprintf("Appeal of flag %d not decided: %s", id, plaudit.ErrorMessage(err)))
		return
	}
	back(w, r, Prefix+"integrity", fmt.Sprintf("Appeal of flag %d %s by %s.", id, o, by))
}

// ---- members ----

type membersData struct {
	Query   string
	Members []*plaudit.Member
	More    int
}

const maxMemberRows = 200

func (p *Panel) members(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var ms []*plaudit.Member
	var err error
	if q == "" {
		ms, err = p.svc.Members(r.Context(), "")
	} else {
		ms, err = p.svc.SearchMembers(r.Context(), q, "")
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := membersData{Query: q, Members: ms}
	if len(ms) > maxMemberRows {
		d.Members, d.More = ms[:maxMemberRows], len(ms)-maxMemberRows
	}
	p.show(w, r, "members", "Members", d)
}

type memberData struct {
	More    int // scores left out of the explanation table (the smallest)
	M       *service.MemberDetail
	Profile *service.MemberProfile
	Explain *service.Explanation
	Chart   template.HTML
	Error   string
}

// maxExplainRows is how many of a member's scores the member page explains, largest first.
const maxExplainRows = 100

func (p *Panel) member(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	handle := r.PathValue("handle")
	m, err := p.svc.Member(ctx, handle)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := memberData{M: m}
	if d.Profile, err = p.svc.MemberProfile(ctx, m.Handle); err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		d.Error = plaudit.ErrorMessage(err)
	}
	if d.Explain, err = p.svc.Explain(ctx, m.Handle, nil); err != nil {
		if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			d.Error = plaudit.ErrorMessage(err)
		}
		d.Explain = nil
	}
	var labels []string
	var vals []float64
	if d.Explain != nil {
		weeks := map[string]plaudit.Points{}
		for _, s := range d.Explain.Scores {
			y, wk := s.Time.UTC().ISOWeek()
			weeks[fmt.Sprintf("%d-W%02d", y, wk)] += s.Points
		}
		for k := range weeks {
			labels = append(labels, k)
		}
		sort.Strings(labels)
		for _, k := range labels {
			vals = append(vals, pointsFloat(weeks[k]))
		}
	}
	d.Chart = barChart("Points per week of "+m.Handle, labels, vals, palette[2])
	if d.Explain != nil && len(d.Explain.Scores) > maxExplainRows {
		d.More = len(d.Explain.Scores) - maxExplainRows
		d.Explain.Scores = d.Explain.Scores[:maxExplainRows]
	}
	p.show(w, r, "member", "Member "+m.Handle, d)
}

func (p *Panel) memberTier(w http.ResponseWriter, r *http.Request) {
	tier, err := strconv.Atoi(r.PostForm.Get("tier"))
	if err != nil {
		back(w, r, Prefix+"members/"+pathEscape(r.PathValue("handle")), "Tier not set: want a whole number from 1 to 100")
		return
	}
	p.changeIdentity(w, r, service.ReasonedChange{Op: "tier", Tier: tier}, fmt.Sprintf("Tier set to %d.", tier))
}

func (p *Panel) memberLink(w http.ResponseWriter, r *http.Request) {
	account := strings.TrimSpace(r.PostForm.Get("account"))
	p.changeIdentity(w, r, service.ReasonedChange{Op: "link", Account: account}, "Linked "+account+".")
}

func (p *Panel) memberMerge(w http.ResponseWriter, r *http.Request) {
	into := strings.TrimSpace(r.PostForm.Get("into"))
	p.changeIdentity(w, r, service.ReasonedChange{Op: "merge", Into: into}, "Merged "+r.PathValue("handle")+" into "+into+".")
}

// changeIdentity records an identity change of the page's member with the form's reason, and goes back to
// the member's page (the kept member's, after a merge).
func (p *Panel) changeIdentity(w http.ResponseWriter, r *http.Request, c service.ReasonedChange, done string) {
	c.Member, c.By, c.Reason = r.PathValue("handle"), operatorName(r), r.PostForm.Get("reason")
	to := Prefix + "members/" + pathEscape(c.Member)
	ch, err := p.svc.ChangeIdentity(r.Context(), c)
	if err != nil {
		back(w, r, to, "Not done: "+plaudit.ErrorMessage(err))
		return
	}
	p.log.Info("panel: identity changed", "op", c.Op, "member", c.Member, "event", ch.Event.Key(), "by", c.By)
	if ch.Member != nil {
		to = Prefix + "members/" + pathEscape(ch.Member.Handle)
	}
	back(w, r, to, done)
}
