package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/plaudit/plaudit"
)

// ScorerName is the name conversation scores carry.
const ScorerName = "conversation"

// EventOptions are what ScoreEvents needs besides the events.
type EventOptions struct {
	// Relevance rates comments without a fixed relevance; nil uses the offline TF-IDF model.
	Relevance RelevanceProvider
	// Member maps a GitHub login to the member handle that earns its task reward. Comment and review scores
	// leave Member empty for the engine to fill in from the actor; task rewards go to assignees, who are not
	// the actor of the issue event, so they need it. Nil or "" falls back to "github:" + login.
	Member func(login string) string
	// Record, when set, hears the ratings Relevance gave (comment event id → relevance) per thread (the
	// issue's or pull request's event id): the comments that no relevance event among the events rates.
	Record func(thread string, ratings map[string]decimal.Decimal)
}

// threadEvents is one conversation's events.
type threadEvents struct {
	post     *plaudit.Event // issue or pull_request
	comments []*plaudit.Event
	reviews  []*plaudit.Event
}

// ScoreEvents scores GitHub conversations given as Plaudit events: kind issue or pull_request (attrs labels,
// assignees), kind comment (target = the issue's id; attrs author_association, issue_author) and kind
// review (target = the pull request's id; attrs state, additions, deletions). Events of other sources or
// kinds are ignored. It returns one score per rewarded comment (the issue body included), per assignee's task
// and per review, each with its explanation, in event order. Points are exact: rewards have at most three
// decimals.
//
// An event it cannot read (a review without a target, additions that are not a whole number, labels that
// are not an array of strings, a thread it cannot score) scores 0 with one line of rule InvalidRule saying
// why, and the other conversations are scored as usual: one bad event never stops the log. Only a failure of
// the relevance provider or of ctx is an error.
func (c *Config) ScoreEvents(ctx context.Context, events []plaudit.Event, opt EventOptions) ([]plaudit.Score, error) {
	rel := opt.Relevance
	if rel == nil {
		rel = TFIDF{}
	}
	threads := map[string]*threadEvents{}
	var order []string
	thread := func(id string) *threadEvents {
		t := threads[id]
		if t == nil {
			t = &threadEvents{}
			threads[id] = t
			order = append(order, id)
		}
		return t
	}
	var out []plaudit.Score
	recorded := map[string]map[string]decimal.Decimal{} // thread → comment id → the first recorded rating
	for i := range events {
		e := &events[i]
		if e.Source != plaudit.SourceGitHub {
			continue
		}
		if e.Kind == plaudit.KindRelevance {
			// Recorded ratings: the first one of a comment wins. One that cannot be read is left out (the
			// comment is rated offline), as it scores nothing itself.
			if rs, err := recordedRatings(e); err == nil && e.Target != "" {
				m := recorded[e.Target]
				if m == nil {
					m = map[string]decimal.Decimal{}
					recorded[e.Target] = m
				}
				for id, r := range rs {
					if _, ok := m[id]; !ok {
						m[id] = r
					}
				}
			}
			continue
		}
		switch e.Kind {
		case "issue", "pull_request", plaudit.KindComment, plaudit.KindReview:
		default:
			continue
		}
		if err := checkEvent(e); err != nil {
			out = append(out, invalidScore(e, err))
			continue
		}
		switch e.Kind {
		case "issue", "pull_request":
			t := thread(e.ExternalID)
			if t.post != nil {
				out = append(out, invalidScore(e, fmt.Errorf("a second issue or pull request with id %s (the first is %s)", e.ExternalID, t.post.Key())))
				continue
			}
			t.post = e
		case plaudit.KindComment:
			thread(e.Target).comments = append(thread(e.Target).comments, e)
		case plaudit.KindReview:
			thread(e.Target).reviews = append(thread(e.Target).reviews, e)
		}
	}
	for _, id := range order {
		te := threads[id]
		var record func(map[string]decimal.Decimal)
		if opt.Record != nil {
			thread := id
			record = func(r map[string]decimal.Decimal) { opt.Record(thread, r) }
		}
		scores, err := c.scoreThread(ctx, id, te, &eventRelevance{inner: rel, recorded: recorded[id], record: record}, opt.Member)
		var re *relevanceError
		if err != nil && (ctx.Err() != nil || errors.As(err, &re)) {
			return nil, err // not the events' fault: the caller may try again
		}
		if err != nil {
			// A thread the scorer cannot read scores 0, each of its events with the reason, rather than stop
			// the whole log (which is append-only: a failure here would be a failure for good).
			for _, e := range te.events() {
				out = append(out, invalidScore(e, err))
			}
			continue
		}
		out = append(out, scores...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// RefusedRule is the rule of the line that explains why a conversation's events scored 0: the
// configuration refuses to reward it (requirePriceLabel, collaboratorOnlyPaymentInvocation).
const RefusedRule = ScorerName + ".refused"

// InvalidRule is the rule of the line that explains why an event scored 0: it could not be read.
const InvalidRule = ScorerName + ".invalid"

// invalidScore is the zero score of an event the scorer cannot read, with the reason.
func invalidScore(e *plaudit.Event, err error) plaudit.Score {
	return plaudit.Score{Event: e.Key(), Time: e.Time, Scorer: ScorerName,
		Lines: []plaudit.Line{{Rule: InvalidRule, Note: err.Error() + ": scored 0"}}}
}

// checkEvent checks what the scorer reads of a GitHub conversation event (the rules Event.Validate applies
// at the door; the log may hold events from before them): a comment's and a review's target, the labels and
// assignees of an issue or pull request, the size of a review.
func checkEvent(e *plaudit.Event) error {
	switch e.Kind {
	case "issue", "pull_request":
		if _, err := e.AttrStrings("labels"); err != nil {
			return err
		}
		assignees, err := e.AttrStrings("assignees")
		if err != nil {
			return err
		}
		for i, a := range assignees {
			if a == "" {
				return fmt.Errorf("attrs.assignees[%d]: an empty login", i)
			}
		}
	case plaudit.KindComment:
		if e.Target == "" {
			return fmt.Errorf("target: missing (the issue id)")
		}
	case plaudit.KindReview:
		if e.Target == "" {
			return fmt.Errorf("target: missing (the pull request id)")
		}
		for _, k := range []string{"additions", "deletions"} {
			if _, _, err := attrInt(e, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// events returns every event of the thread.
func (te *threadEvents) events() []*plaudit.Event {
	var out []*plaudit.Event
	if te.post != nil {
		out = append(out, te.post)
	}
	out = append(out, te.comments...)
	return append(out, te.reviews...)
}

// scoreThread builds a Thread from one conversation's events, scores it, and maps the results back.
func (c *Config) scoreThread(ctx context.Context, id string, te *threadEvents, rel *eventRelevance, member func(string) string) ([]plaudit.Score, error) {
	byID := map[int64]*plaudit.Event{}
	rel.byID = byID
	next := int64(0)
	nextID := func(e *plaudit.Event) int64 {
		next++
		byID[next] = e
		return next
	}
	issue := &Issue{ID: -1, HTMLURL: "https://github.com/issues/" + id}
	if p := te.post; p != nil {
		issue.ID = nextID(p)
		body := p.Content
		issue.Body = &body
		issue.User = &User{Login: p.Actor, Type: userType(p)}
		issue.AuthorAssociation = attrString(p, "author_association")
		issue.CreatedAt = p.Time.UTC().Format("2006-01-02T15:04:05Z")
		labels, err := p.AttrStrings("labels")
		if err != nil {
			return nil, err
		}
		issue.Labels = labels
		assignees, err := p.AttrStrings("assignees")
		if err != nil {
			return nil, err
		}
		for _, a := range assignees {
			issue.Assignees = append(issue.Assignees, User{Login: a, Type: "User"})
		}
		if len(issue.Assignees) > 0 {
			issue.Assignee = &issue.Assignees[0]
		}
		if p.Kind == "pull_request" {
			issue.PullRequest = json.RawMessage(`{}`)
		}
		if u := attrString(p, "url"); u != "" {
			issue.HTMLURL = u
		}
	} else {
		// Comments on an issue the log does not hold: score them without a specification.
		issue.ID = 0
		author := ""
		if len(te.comments) > 0 {
			author = attrString(te.comments[0], "issue_author")
		}
		if author == "" {
			author = "unknown"
		}
		issue.User = &User{Login: author, Type: "User"}
		if len(te.reviews) > 0 {
			issue.PullRequest = json.RawMessage(`{}`)
		}
	}
	t := &Thread{Issue: issue}
	if p := te.post; p != nil {
		if by := attrString(p, "closed_by"); by != "" {
			t.ClosedBy = &User{Login: by, Type: attrString(p, "closed_by_type")}
			t.ClosedByAssociation = attrString(p, "closed_by_association")
		}
	}
	for _, e := range te.comments {
		body := e.Content
		t.Comments = append(t.Comments, Comment{ID: nextID(e), Body: &body, User: &User{Login: e.Actor, Type: userType(e)},
			AuthorAssociation: attrString(e, "author_association"), HTMLURL: attrString(e, "url"),
			CreatedAt: e.Time.UTC().Format("2006-01-02T15:04:05Z")})
	}
	for _, e := range te.reviews {
		body := e.Content
		r := Review{Comment: Comment{ID: nextID(e), Body: &body, User: &User{Login: e.Actor, Type: userType(e)},
			AuthorAssociation: attrString(e, "author_association"), SubmittedAt: e.Time.UTC().Format("2006-01-02T15:04:05Z")},
			State: attrString(e, "state"), CommitID: e.ExternalID}
		for _, k := range []string{"additions", "deletions"} {
			n, ok, err := attrInt(e, k)
			if err != nil {
				return nil, err
			}
			if ok {
				v := n
				if k == "additions" {
					r.Additions = &v
				} else {
					r.Deletions = &v
				}
			}
		}
		if files, ok := e.Attrs["files"].([]any); ok {
			// The files the review covered (its commits compared with the reviewer's previous review's):
			// counted as Ubiquity counts them, without the excluded files.
			add, del, err := c.reviewFiles(files)
			if err != nil {
				return nil, err
			}
			r.Additions, r.Deletions = &add, &del
		}
		if r.Additions == nil {
			zero := 0
			r.Additions = &zero // a review event without its diff covers nothing
		}
		t.Reviews = append(t.Reviews, r)
	}
	if issue.ID == 0 {
		// No specification: give the synthetic issue an id no comment has.
		issue.ID = next + 1
	}
	res, err := c.Score(ctx, t, rel)
	if err != nil {
		return nil, fmt.Errorf("conversation: thread %s: %w", id, err)
	}
	var out []plaudit.Score
	if res.Refused != "" {
		for _, e := range te.events() {
			out = append(out, plaudit.Score{Event: e.Key(), Time: e.Time, Scorer: ScorerName,
				Lines: []plaudit.Line{{Rule: RefusedRule, Note: res.Refused + ": scored 0"}}})
		}
		return out, nil
	}
	for _, u := range res.Users {
		for _, sc := range u.Comments {
			e := byID[sc.ID]
			if e == nil || sc.Score == nil {
				continue
			}
			score := plaudit.Score{Event: e.Key(), Points: toPoints(sc.Score.Reward), Time: e.Time,
				Scorer: ScorerName, Lines: commentLines(sc)}
			if u.Login != e.Actor {
				// The original author's share of a copied specification: not the event's actor.
				score.Member = memberOf(member, u.Login)
				score.Lines = append(score.Lines, plaudit.Line{Rule: "conversation.original_author", Points: score.Points,
					Inputs: []plaudit.Input{{Name: "author", Value: u.Login}, {Name: "weight", Value: sc.Weight.String()}}})
			}
			out = append(out, score)
		}
		if u.Task != nil && te.post != nil && u.Task.Reward.Sign() > 0 {
			out = append(out, plaudit.Score{Event: te.post.Key(), Member: memberOf(member, u.Login), Points: toPoints(u.Task.Reward), Time: te.post.Time,
				Scorer: ScorerName, Lines: []plaudit.Line{{Rule: "conversation.task", Points: toPoints(u.Task.Reward),
					Inputs: []plaudit.Input{{Name: "assignee", Value: u.Login}, {Name: "price", Value: TaskPrice(issue.Labels).String()},
						{Name: "share", Value: u.Task.Multiplier.String()}}}}})
		}
		if e := byID[u.ReviewCreditID]; e != nil && u.ReviewCredit.Sign() > 0 {
			out = append(out, plaudit.Score{Event: e.Key(), Points: toPoints(u.ReviewCredit), Time: e.Time, Scorer: ScorerName,
				Lines: []plaudit.Line{{Rule: "conversation.review_credit", Points: toPoints(u.ReviewCredit), Inputs: []plaudit.Input{
					{Name: "state", Value: attrString(e, "state")}, {Name: "conclusive_review_credit", Value: c.ConclusiveReviewCredit.String()}},
					Note: "once per pull request for approving it or requesting changes"}}})
		}
		for _, r := range u.Reviews {
			e := byID[r.ReviewID]
			if e == nil {
				continue
			}
			out = append(out, plaudit.Score{Event: e.Key(), Points: toPoints(r.Reward), Time: e.Time, Scorer: ScorerName,
				Lines: []plaudit.Line{{Rule: "conversation.review", Points: toPoints(r.Reward), Inputs: []plaudit.Input{
					{Name: "additions", Value: strconv.Itoa(r.Additions)}, {Name: "deletions", Value: strconv.Itoa(r.Deletions)},
					{Name: "priority", Value: strconv.Itoa(r.Priority)}, {Name: "base_rate", Value: c.ReviewBaseRate.String()}}}}})
		}
	}
	return out, nil
}

// commentLines explains a comment's reward rule by rule.
func commentLines(sc *ScoredComment) []plaudit.Line {
	s := sc.Score
	f := s.Formatting
	var tags []plaudit.Input
	for _, k := range sortedKeys(f.Tags) {
		tags = append(tags, plaudit.Input{Name: k, Value: f.Tags[k].Score.String() + " × " + strconv.Itoa(f.Tags[k].ElementCount)})
	}
	return []plaudit.Line{
		{Rule: "conversation.formatting", Inputs: append([]plaudit.Input{{Name: "role", Value: string(sc.Role)}}, tags...), Points: toPoints(f.TagsResult())},
		{Rule: "conversation.words", Inputs: []plaudit.Input{{Name: "words", Value: strconv.Itoa(f.Words.WordCount)},
			{Name: "word_value", Value: f.Words.WordValue.String()}}, Points: toPoints(f.Words.Result)},
		{Rule: "conversation.readability", Inputs: []plaudit.Input{{Name: "flesch_kincaid", Value: strconv.FormatFloat(f.Readability.FleschKincaid, 'f', 2, 64)},
			{Name: "score", Value: strconv.FormatFloat(f.Readability.Score, 'f', 4, 64)}, {Name: "multiplier", Value: f.Multiplier.String()}},
			Points: toPoints(f.Total), Note: "round2((tags + words) · (1 + weight · readability) · multiplier)"},
		{Rule: "conversation.relevance", Inputs: []plaudit.Input{{Name: "relevance", Value: s.Relevance.String()},
			{Name: "priority", Value: strconv.Itoa(s.Priority)}, {Name: "authorship", Value: s.Authorship.String()}},
			Points: toPoints(s.Reward), Note: "round3(total · authorship · relevance · priority)"},
	}
}

// toPoints converts a reward to Points, rounding half away from zero at the sixth decimal (rewards have at
// most three, so nothing is lost).
func toPoints(x decimal.Decimal) plaudit.Points {
	return plaudit.Points(x.Shift(6).Round(0).IntPart())
}

func userType(e *plaudit.Event) string {
	if t := attrString(e, "user_type"); t != "" {
		return t
	}
	return "User"
}

func attrString(e *plaudit.Event, key string) string {
	s, _ := e.Attrs[key].(string)
	return s
}

// attrInt reads a non-negative integer attribute.
func attrInt(e *plaudit.Event, key string) (int, bool, error) {
	v, ok := e.Attrs[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	var n int64
	var err error
	switch x := v.(type) {
	case json.Number:
		n, err = x.Int64()
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		n = int64(x)
		if float64(n) != x {
			err = fmt.Errorf("not an integer")
		}
	default:
		err = fmt.Errorf("want an integer")
	}
	if err == nil && (n < 0 || n > 1<<31) {
		err = fmt.Errorf("out of range")
	}
	if err != nil {
		return 0, false, fmt.Errorf("attrs.%s: %v", key, err)
	}
	return int(n), true, nil
}

// memberOf maps a login to its member handle, "github:" + login when unknown.
func memberOf(member func(string) string, login string) string {
	if member != nil {
		if m := member(login); m != "" {
			return m
		}
	}
	return "github:" + login
}

// reviewFiles sums a review event's files (attrs.files: {filename, additions, deletions}), leaving out
// the files the configuration excludes.
func (c *Config) reviewFiles(files []any) (add, del int, err error) {
	for i, f := range files {
		m, ok := f.(map[string]any)
		if !ok {
			return 0, 0, fmt.Errorf("attrs.files[%d]: want an object", i)
		}
		name, _ := m["filename"].(string)
		if name == "" {
			return 0, 0, fmt.Errorf("attrs.files[%d].filename: missing", i)
		}
		fe := &plaudit.Event{Attrs: m}
		a, _, err := attrInt(fe, "additions")
		if err != nil {
			return 0, 0, fmt.Errorf("attrs.files[%d]: %w", i, err)
		}
		d, _, err := attrInt(fe, "deletions")
		if err != nil {
			return 0, 0, fmt.Errorf("attrs.files[%d]: %w", i, err)
		}
		if !c.excluded(name) {
			add += a
			del += d
		}
	}
	return add, del, nil
}
