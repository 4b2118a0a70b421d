package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// testConfig is a small table: p and strong score 1, a scores 5, code does not count words; em is missing.
func testConfig(compat bool) Config {
	c := DefaultConfig()
	c.Compat = compat
	tags := map[string]TagRule{
		"p": {Score: d("1"), CountWords: true}, "strong": {Score: d("1"), CountWords: true},
		"a": {Score: d("5"), CountWords: true}, "code": {Score: d("2"), CountWords: false},
		"img": {Score: d("3"), CountWords: false}, "ul": {Score: d("0"), CountWords: true}, "li": {Score: d("0.5"), CountWords: true},
	}
	c.Formatting = map[Role]RoleRules{"ISSUE_CONTRIBUTOR": {Multiplier: d("1"), WordValue: d("0.1"), Tags: tags}}
	c.Readability.Enabled = false
	return c
}

func evaluate(t *testing.T, c Config, md string) *Formatting {
	t.Helper()
	f, err := c.Evaluate(md, "ISSUE_CONTRIBUTOR", "https://github.com/o/r/issues/1#issuecomment-9")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func count(f *Formatting, tag string) int {
	if t := f.Tags[tag]; t != nil {
		return t.ElementCount
	}
	return 0
}

// Quirk (a): the reference walks a live element list, so the element right after a removed one is skipped:
// not scored, though its text still counts as words. Plaudit's preset visits it.
func TestQuirkLiveListSkip(t *testing.T) {
	md := "*gone* **kept**"
	tests := []struct {
		compat     bool
		strong     int
		wordsCount int
	}{
		{compat: true, strong: 0, wordsCount: 1},  // <em> removed with its word; <strong> skipped but "kept" counts
		{compat: false, strong: 1, wordsCount: 1}, // <strong> visited and scored
	}
	for _, tt := range tests {
		f := evaluate(t, testConfig(tt.compat), md)
		if count(f, "p") != 1 || count(f, "strong") != tt.strong || f.Words.WordCount != tt.wordsCount {
			t.Errorf("compat %v: p %d strong %d words %d, want 1 %d %d", tt.compat, count(f, "p"), count(f, "strong"), f.Words.WordCount, tt.strong, tt.wordsCount)
		}
	}
	// Two removed elements in a row: the second is skipped, so it survives with its text.
	f := evaluate(t, testConfig(true), "*one* *two* **three**")
	if f.Words.WordCount != 2 || count(f, "strong") != 1 {
		t.Errorf("compat, two ems: words %d strong %d, want 2 (two, three) and 1", f.Words.WordCount, count(f, "strong"))
	}
	f = evaluate(t, testConfig(false), "*one* *two* **three**")
	if f.Words.WordCount != 1 || count(f, "strong") != 1 {
		t.Errorf("preset, two ems: words %d strong %d, want 1 and 1", f.Words.WordCount, count(f, "strong"))
	}
}

// Quirk (b): URLs in text run to the next whitespace, punctuation included, and www./mailto: autolinks
// count; the preset cuts trailing punctuation and counts explicit http(s) links only.
func TestQuirkTextURLs(t *testing.T) {
	tests := []struct {
		name          string
		md            string
		compat, fixed int // links counted
	}{
		{"trailing punctuation", "See https://a.example/x). Also https://a.example/x", 2, 1},
		{"same URL twice", "https://a.example/x and https://a.example/x", 1, 1},
		{"fragment and query cut", "[a](https://a.example/x#top) [b](https://a.example/x?q=1)", 1, 1},
		{"link to the comment itself", "[me](https://github.com/o/r/issues/1#issuecomment-9)", 0, 0},
		{"www autolink", "visit www.example.com today", 1, 0},
		{"email autolink", "write to someone@example.com", 1, 0},
		{"relative link", "[docs](/docs/readme.md)", 1, 0},
		{"two different links", "[a](https://a.example/1) [b](https://a.example/2)", 2, 2},
		{"no links", "plain words only", 0, 0},
	}
	for _, tt := range tests {
		for _, compat := range []bool{true, false} {
			want := tt.fixed
			if compat {
				want = tt.compat
			}
			f := evaluate(t, testConfig(compat), tt.md)
			if got := count(f, "a"); got != want {
				t.Errorf("%s (compat %v): %d links, want %d", tt.name, compat, got, want)
			}
		}
	}
}

func TestTagRules(t *testing.T) {
	tests := []struct {
		name  string
		md    string
		tags  map[string]int
		words int
	}{
		{"countWords false empties and earns nothing", "use `fmt.Println` here", map[string]int{"p": 1}, 2},
		{"missing tag removed with its text", "# Title\n\nbody", map[string]int{"p": 1}, 1},
		{"image keeps its score without words", "![alt text](https://a.example/i.png)", map[string]int{"p": 1, "img": 1}, 0},
		{"nested list", "- one\n- two\n  - three", map[string]int{"ul": 2, "li": 3}, 3},
		{"empty", "", map[string]int{}, 0},
	}
	for _, tt := range tests {
		f := evaluate(t, testConfig(false), tt.md)
		for tag, n := range tt.tags {
			if count(f, tag) != n {
				t.Errorf("%s: %s × %d, want %d (all: %s)", tt.name, tag, count(f, tag), n, tagString(f.Tags))
			}
		}
		if len(f.Tags) != len(tt.tags) {
			t.Errorf("%s: tags %s, want %v", tt.name, tagString(f.Tags), tt.tags)
		}
		if f.Words.WordCount != tt.words {
			t.Errorf("%s: %d words, want %d", tt.name, f.Words.WordCount, tt.words)
		}
	}
	// A role without rules earns nothing.
	tc := testConfig(false)
	f, err := tc.Evaluate("some **words** here", "PULL_AUTHOR", "")
	if err != nil || !f.Total.IsZero() || len(f.Tags) != 0 {
		t.Fatalf("unconfigured role: %+v, %v", f, err)
	}
}

func TestWordValue(t *testing.T) {
	tests := []struct {
		words int
		value string
		want  string
	}{
		{0, "0.1", "0"},
		{1, "0.1", "0.1"},   // 0.0990…
		{17, "0.2", "1.88"}, // recorded
		{55, "0.2", "3.48"}, // recorded
		{85, "0.1", "1.87"}, // the curve's maximum is at W = 100 · exponent
		{100, "0.1", "1.84"},
		{173, "0.1", "1.42"}, // recorded
		{1000, "0.1", "0"},
		{10, "0", "0"},
	}
	for _, tt := range tests {
		if got := WordValue(tt.words, d("0.85"), d(tt.value)); !got.Equal(d(tt.want)) {
			t.Errorf("W=%d value %s: %s, want %s", tt.words, tt.value, got, tt.want)
		}
	}
	prev := decimal.Zero
	for w := 1; w <= 200; w++ {
		v := wordCurve(w, d("0.85"))
		if w <= 85 && v.LessThan(prev) || w > 86 && v.GreaterThan(prev) {
			t.Fatalf("curve not rising to 85 and falling after: W=%d %s after %s", w, v, prev)
		}
		prev = v
	}
}

// Rounding is decimal, half up, as decimal.js rounds: binary floating point gets exact halves wrong.
func TestRoundHalfUp(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"1.4455", 3, "1.446"},
		{"1.4454999", 3, "1.445"},
		{"2.675", 2, "2.68"}, // 2.675 in float64 is 2.67499…
		{"0.005", 2, "0.01"},
		{"0.0049999", 2, "0"},
		{"10.665", 2, "10.67"},
	}
	for _, tt := range tests {
		if got := round(d(tt.in), tt.places); !got.Equal(d(tt.want)) {
			t.Errorf("round(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.want)
		}
	}
	if got := sig20(d("1.23456789012345678905")); got.String() != "1.2345678901234567891" {
		t.Errorf("sig20: %s", got)
	}
	if got := sig20(d("123456789012345678901234")); got.String() != "123456789012345678900000" {
		t.Errorf("sig20 large: %s", got)
	}
}

func TestReadability(t *testing.T) {
	tests := []struct {
		text      string
		sentences int
		score     float64
	}{
		{"", 0, 0},
		{"Go.", 1, 1},            // ease > 100
		{"Hi there. Yes.", 2, 1}, // very easy
		{"...", 0, 0},            // no sentence
		{"Internationalization considerations notwithstanding, institutionalization perseveres.", 1, 0},
	}
	for _, tt := range tests {
		r := fleschKincaid(tt.text, 60)
		if r.Sentences != tt.sentences || r.Score != tt.score {
			t.Errorf("%q: %+v, want %d sentences, score %v", tt.text, r, tt.sentences, tt.score)
		}
		if r.FleschKincaid < 0 || r.FleschKincaid > 100 {
			t.Errorf("%q: ease %v out of [0, 100]", tt.text, r.FleschKincaid)
		}
	}
	// At the target the score is 1; 50 away it is 0.5.
	if r := fleschKincaid("The cat sat on the mat and it was a good day for all.", 60); r.FleschKincaid > 60 {
		if got := fleschKincaid("The cat sat on the mat and it was a good day for all.", r.FleschKincaid).Score; got != 1 {
			t.Errorf("at target: %v", got)
		}
	}
	// The reference's heuristic, not a dictionary: short words have one syllable, a silent ending and a
	// leading y are dropped, and each run of one or two vowels counts.
	syll := map[string]int{"the": 1, "cat": 1, "table": 2, "tables": 2, "created": 1, "yellow": 2, "readability": 5,
		"queue": 2, "rhythm": 1, "ABLE": 2, "makes": 1, "xyz": 1, "strengths": 1}
	for w, n := range syll {
		if got := countSyllables(w); got != n {
			t.Errorf("syllables(%q) = %d, want %d", w, got, n)
		}
	}
}

func TestPurge(t *testing.T) {
	tests := []struct{ in, want string }{
		{"> quoted\nmine", "mine"},
		{"> quoted\r\nmine", "mine"},
		{"a\n/start\nmore", "a"},
		{"/start", ""},
		{"text /start inline", "text /start inline"},
		{"a\n/1abc", "a\n/1abc"},
		{"keep <!-- hidden --> this", "keep  this"},
		{"keep <!-- unclosed", "keep <!-- unclosed"},
		{"text[^1]\n\n[^1]: note", "text"},
		{"body\n###### Footnotes [^1^] x\nrest", "body"},
		{"see https://a.example/x now", "see [https://a.example/x](https://a.example/x) now"},
		{"[t](https://a.example/x)", "[t](https://a.example/x)"},
		{`<a href="https://a.example/x">x</a>`, `<a href="https://a.example/x">x</a>`},
		{"HTTPS://A.example/x", "[HTTPS://A.example/x](HTTPS://A.example/x)"},
		{"url https://a.example/x' end", "url [https://a.example/](https://a.example/)x' end"},
		{"  spaced  ", "spaced"},
	}
	for _, tt := range tests {
		if got := Purge(tt.in); got != tt.want {
			t.Errorf("Purge(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRoles(t *testing.T) {
	self := &Issue{ID: 1, User: &User{Login: "author", ID: 10}, Assignee: &User{Login: "dev", ID: 11}}
	tests := []struct {
		id     int64
		user   User
		assoc  string
		compat Role
		preset Role
	}{
		{1, User{Login: "author", ID: 10}, "OWNER", "ISSUE_SPECIFICATION", "ISSUE_SPECIFICATION"},
		{2, User{Login: "author", ID: 10}, "MEMBER", "ISSUE_AUTHOR", "ISSUE_AUTHOR"},
		{3, User{Login: "dev", ID: 11}, "MEMBER", "ISSUE_ASSIGNEE", "ISSUE_ASSIGNEE"},
		{4, User{Login: "m", ID: 12}, "MEMBER", "ISSUE_COLLABORATOR", "ISSUE_COLLABORATOR"},
		{5, User{Login: "c", ID: 13}, "COLLABORATOR", "ISSUE_COLLABORATOR", "ISSUE_COLLABORATOR"},
		{6, User{Login: "o", ID: 14}, "OWNER", "ISSUE_CONTRIBUTOR", "ISSUE_COLLABORATOR"},
		{7, User{Login: "n", ID: 15}, "NONE", "ISSUE_CONTRIBUTOR", "ISSUE_CONTRIBUTOR"},
		{8, User{Login: "x", ID: 16}, "CONTRIBUTOR", "ISSUE_CONTRIBUTOR", "ISSUE_CONTRIBUTOR"},
	}
	compat, preset := testConfig(true), testConfig(false)
	for _, tt := range tests {
		u := tt.user
		if got := compat.roleOf(KindIssue, tt.id, &u, tt.assoc, self); got != tt.compat {
			t.Errorf("compat %d: %s, want %s", tt.id, got, tt.compat)
		}
		if got := preset.roleOf(KindIssue, tt.id, &u, tt.assoc, self); got != tt.preset {
			t.Errorf("preset %d: %s, want %s", tt.id, got, tt.preset)
		}
	}
}

func TestLabels(t *testing.T) {
	prio := []struct {
		labels []string
		want   int
	}{
		{nil, 1},
		{[]string{"Priority: 4 (Urgent)"}, 4},
		{[]string{"priority:2"}, 2},
		{[]string{"Time: <1 Hour", "Priority: 3 (High)", "Priority: 5"}, 3},
		{[]string{"Priority: high"}, 1},
		{[]string{"Low Priority: 5"}, 1},
	}
	for _, tt := range prio {
		if got := Priority(tt.labels); got != tt.want {
			t.Errorf("Priority(%q) = %d, want %d", tt.labels, got, tt.want)
		}
	}
	price := []struct {
		labels []string
		want   string
	}{
		{nil, "0"},
		{[]string{"Price: 400 USD"}, "400"},
		{[]string{"Price: 37.5 USD", "Price: 12.5 USD"}, "12.5"},
		{[]string{"Price: abc"}, "0"},
		{[]string{"Price:5 USD"}, "0"},
		{[]string{"price: 5 USD"}, "0"},
		{[]string{"Price: 1e2 USD"}, "100"},
	}
	for _, tt := range price {
		if got := TaskPrice(tt.labels); !got.Equal(d(tt.want)) {
			t.Errorf("TaskPrice(%q) = %s, want %s", tt.labels, got, tt.want)
		}
	}
}

func body(s string) *string { return &s }

// conversationFixture is an issue with a price, two assignees, a member and a contributor commenting.
func conversationFixture() *Thread {
	alice, bob, carol := User{Login: "alice", ID: 1, Type: "User"}, User{Login: "bob", ID: 2, Type: "User"}, User{Login: "carol", ID: 3, Type: "User"}
	return &Thread{
		Issue: &Issue{ID: 100, HTMLURL: "https://github.com/o/r/issues/1", Body: body("Build the parser for the config."),
			User: &alice, Labels: Labels{"Price: 100 USD", "Priority: 2"}, Assignees: []User{alice, bob}, Assignee: &alice},
		Comments: []Comment{
			{ID: 1, Body: body("I will write the parser with a streaming tokenizer and tests for each rule."), User: &bob, AuthorAssociation: "MEMBER"},
			{ID: 2, Body: body("Looks good, see https://a.example/spec for the grammar."), User: &carol, AuthorAssociation: "NONE"},
			{ID: 3, Body: body("/start"), User: &carol, AuthorAssociation: "NONE"},
			{ID: 4, Body: body("bot says hi"), User: &User{Login: "bot[bot]", ID: 9, Type: "Bot"}},
		},
	}
}

func TestTaskCapAndFees(t *testing.T) {
	c := DefaultConfig()
	res, err := c.Score(context.Background(), conversationFixture(), Fixed(d("1")))
	if err != nil {
		t.Fatal(err)
	}
	if res.User("bot[bot]") != nil {
		t.Error("a bot got a result")
	}
	alice, bob, carol := res.User("alice"), res.User("bob"), res.User("carol")
	if alice == nil || bob == nil || carol == nil {
		t.Fatalf("users %v", res.Users)
	}
	if !alice.Task.Reward.Equal(d("50")) || !alice.Task.Multiplier.Equal(d("0.5")) || !bob.Task.Reward.Equal(d("50")) {
		t.Errorf("task split: %+v %+v", alice.Task, bob.Task)
	}
	if len(carol.Comments) != 1 || carol.Comments[0].Role != "ISSUE_CONTRIBUTOR" || carol.Task != nil {
		t.Errorf("carol: %+v", carol)
	}
	// Three assignees: the share is 1/3 to 20 significant digits.
	th := conversationFixture()
	th.Issue.Assignees = append(th.Issue.Assignees, User{Login: "dan", ID: 4, Type: "User"})
	res3, _ := c.Score(context.Background(), th, Fixed(d("1")))
	if got := res3.User("dan").Task.Reward; got.String() != "33.333333333333333333" {
		t.Errorf("a third of 100: %s", got)
	}
	// In compatibility mode the share is a JavaScript number, as in the reference's results.
	compat := c
	compat.Compat = true
	res3, _ = compat.Score(context.Background(), th, Fixed(d("1")))
	if got := res3.User("dan").Task; got.Reward.String() != "33.333333333333336" || got.Multiplier.String() != "0.3333333333333333" {
		t.Errorf("compat: a third of 100: %s × %s", got.Reward, got.Multiplier)
	}

	// The cap: limitRewards caps non-assignees at the price, assignees at three times it.
	capped := c
	capped.LimitRewards = true
	th = conversationFixture()
	th.Issue.Labels = Labels{"Price: 0.5 USD"}
	res, _ = capped.Score(context.Background(), th, Fixed(d("1")))
	if got := res.User("carol").Total; !got.Equal(d("0.5")) {
		t.Errorf("capped contributor total %s, want 0.5", got)
	}
	if got := res.User("bob").Total; got.GreaterThan(d("1.5")) {
		t.Errorf("capped assignee total %s, want at most 1.5", got)
	}

	// Fees: 10 % to the treasury, unless the token is exempt.
	feed := c
	feed.Fees = Fees{Rate: d("10"), Treasury: "treasury", Token: "0xAbC"}
	res, _ = feed.Score(context.Background(), conversationFixture(), Fixed(d("1")))
	plain, _ := c.Score(context.Background(), conversationFixture(), Fixed(d("1")))
	sumFees := decimal.Zero
	for _, u := range res.Users {
		if u.Login == "treasury" {
			continue
		}
		before := plain.User(u.Login).Total
		if !u.Total.Add(u.Fee).Equal(before) || !u.Fee.Equal(before.Mul(d("0.1"))) {
			t.Errorf("%s: %s + fee %s, want %s", u.Login, u.Total, u.Fee, before)
		}
		sumFees = sumFees.Add(u.Fee)
	}
	if tr := res.User("treasury"); tr == nil || !tr.Total.Equal(sumFees) {
		t.Errorf("treasury %+v, want %s", tr, sumFees)
	}
	feed.Fees.ExemptTokens = []string{"0xabc"}
	res, _ = feed.Score(context.Background(), conversationFixture(), Fixed(d("1")))
	if res.User("treasury") != nil || !res.User("alice").Total.Equal(plain.User("alice").Total) {
		t.Error("exempt token still charged")
	}
}

func TestReviewRewards(t *testing.T) {
	tests := []struct {
		add, del, prio int
		rate           string
		want           string
	}{
		{50, 50, 4, "100", "4"},
		{0, 0, 4, "100", "0"},
		{1, 0, 1, "100", "0.01"},
		{10, 5, 3, "7", "6.4285714285714285714"},
		{10, 10, 1, "0", "0"},
	}
	for _, tt := range tests {
		if got := ReviewRewardFor(tt.add, tt.del, tt.prio, d(tt.rate)); !got.Equal(d(tt.want)) {
			t.Errorf("(%d+%d)×%d/%s = %s, want %s", tt.add, tt.del, tt.prio, tt.rate, got, tt.want)
		}
	}
	compat := DefaultConfig()
	compat.Compat = true
	compat.ReviewBaseRate = d("7")
	if got := compat.reviewReward(10, 5, 3); got.String() != "6.428571428571429" {
		t.Errorf("compat review reward %s, want the JavaScript 6.428571428571429", got)
	}
	c := DefaultConfig()
	c.ExcludedFiles = []string{"*.lock", "dist/**"}
	th := conversationFixture()
	rev := User{Login: "rev", ID: 7, Type: "User"}
	th.Pull = &Issue{ID: 500, HTMLURL: "https://github.com/o/r/pull/2", Body: body("Resolves #1"), User: &User{Login: "bob", ID: 2, Type: "User"}}
	th.Reviews = []Review{{Comment: Comment{ID: 900, User: &rev, Body: body("")}, State: "APPROVED", CommitID: "abc"}}
	th.Files = []File{{"main.go", 30, 10}, {"go.lock", 500, 500}, {"dist/app.js", 900, 0}, {"cmd/x.go", 5, 5}}
	res, err := c.Score(context.Background(), th, Fixed(d("1")))
	if err != nil {
		t.Fatal(err)
	}
	r := res.User("rev")
	// (40 + 10) × priority 2 / 100 = 1
	if r == nil || len(r.Reviews) != 1 || r.Reviews[0].Additions != 35 || r.Reviews[0].Deletions != 15 || !r.Reviews[0].Reward.Equal(d("1")) {
		t.Fatalf("review reward: %+v", r)
	}
	if !globMatch("dist/**", "dist/a/b.js") || globMatch("dist/**", "src/dist.js") || !globMatch("*.md", "docs/x.md") {
		t.Error("globMatch")
	}
}

func TestParseUbiquityConfigErrors(t *testing.T) {
	tests := []struct {
		in    string
		field string
	}{
		{`{"incentives": {"formattingEvaluator": {"multipliers": [{"role": ["ISSUE_AUTHOR"], "multiplier": "x"}]}}}`, "incentives.formattingEvaluator.multipliers[0].multiplier"},
		{`{"incentives": {"formattingEvaluator": {"multipliers": [{"role": ["ISSUE_WHO"], "multiplier": 1}]}}}`, "incentives.formattingEvaluator.multipliers[0].role[0]"},
		{`{"incentives": {"formattingEvaluator": {"multipliers": [{"role": ["ISSUE_AUTHOR"], "multiplier": 1, "rewards": {"html": {"p": {"score": true}}}}]}}}`, "incentives.formattingEvaluator.multipliers[0].rewards.html.p.score"},
		{`{"incentives": {"reviewIncentivizer": {"baseRate": 0}}}`, "incentives.reviewIncentivizer.baseRate"},
		{`{"incentives": {"contentEvaluator": {"multipliers": [{"role": ["ISSUE_SPECIFICATION"], "relevance": 2}]}}}`, "incentives.contentEvaluator.multipliers[0].relevance"},
		{`{"incentives": {"dataPurge": {"skipCommentsWhileAssigned": "sometimes"}}}`, "incentives.dataPurge.skipCommentsWhileAssigned"},
		{`{"incentives": {"formattingEvaluator": {"wordCountExponent": 0.85, "typo": 1}}}`, "incentives.formattingEvaluator.typo"},
		{`{"bogus": 1}`, "bogus"},
		{"incentives:\n  limitRewards: maybe\n", "incentives.limitRewards"},
	}
	for _, tt := range tests {
		_, err := ParseUbiquityConfig([]byte(tt.in))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: error %v, want one naming %s", tt.in, err, tt.field)
		}
	}
	for _, bad := range []string{"", "[1, 2]", "{", "a: [", "{} {}"} {
		if _, err := ParseUbiquityConfig([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// The seed's YAML plugin entry loads, and JSON and YAML of the same configuration load the same.
func TestParseUbiquityConfigYAML(t *testing.T) {
	yml := `plugin: ubiquity-os/conversation-rewards
with:
  incentives:
    limitRewards: true
    contentEvaluator:
      llm:
        model: "gpt-4"
        endpoint: "https://api.openrouter.ai/api/v1"
        tokenCountLimit: 124000
        maxRetries: 5
      multipliers:
        - role: [ISSUE_SPECIFICATION]
          relevance: 1
        - role: [PULL_AUTHOR, PULL_ASSIGNEE]
          relevance: 1
    dataPurge:
      skipCommentsWhileAssigned: all
    reviewIncentivizer:
      baseRate: 100
    formattingEvaluator:
      wordCountExponent: 0.85
      multipliers:
        - role: ["ISSUE_CONTRIBUTOR"]
          multiplier: 0.25
          rewards:
            html:
              p: { score: 0, countWords: true }
              code: { score: 5, countWords: false }
            wordValue: 0.1
`
	c, err := ParseUbiquityConfig([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Compat || !c.LimitRewards || c.LLM.Model != "gpt-4" || c.LLM.TokenLimit != 124000 || c.SkipCommentsWhileAssigned != "all" {
		t.Errorf("config %+v", c)
	}
	if _, ok := c.Relevance["PULL_AUTHOR"]; ok {
		t.Error("a relevance given for two roles at once applies, but the reference ignores it")
	}
	if r := c.Formatting["ISSUE_CONTRIBUTOR"]; !r.Multiplier.Equal(d("0.25")) || r.Tags["code"].CountWords || !r.Tags["code"].Score.Equal(d("5")) {
		t.Errorf("rules %+v", r)
	}
	js, _ := json.Marshal(map[string]any{"incentives": map[string]any{"formattingEvaluator": map[string]any{"multipliers": []any{
		map[string]any{"role": []string{"ISSUE_CONTRIBUTOR"}, "multiplier": 0.25, "rewards": map[string]any{"wordValue": 0.1,
			"html": map[string]any{"p": map[string]any{"score": 0, "countWords": true}, "code": map[string]any{"score": 5, "countWords": false}}}}}}}})
	cj, err := ParseUbiquityConfig(js)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cj.Formatting["ISSUE_CONTRIBUTOR"], c.Formatting["ISSUE_CONTRIBUTOR"]
	if !a.Multiplier.Equal(b.Multiplier) || !a.WordValue.Equal(b.WordValue) || len(a.Tags) != len(b.Tags) {
		t.Errorf("JSON %+v, YAML %+v", a, b)
	}
	if !strings.Contains(DefaultConfig().WordCountExponent.String(), "0.85") || DefaultConfig().Compat {
		t.Error("DefaultConfig")
	}
}

func TestTFIDF(t *testing.T) {
	items := []RelevanceItem{
		{ID: 1, Content: "The parser should tokenize the configuration grammar and report errors with line numbers."},
		{ID: 2, Content: "Nice weather today, anyone up for lunch?"},
	}
	got, err := TFIDF{}.Relevance(context.Background(), "Write a parser for the configuration grammar with good errors.", items)
	if err != nil {
		t.Fatal(err)
	}
	if !got[1].GreaterThan(got[2]) || !got[2].Equal(d("0.1")) || got[1].GreaterThan(d("1")) {
		t.Errorf("relevances %v", got)
	}
	again, _ := TFIDF{}.Relevance(context.Background(), "Write a parser for the configuration grammar with good errors.", items)
	if !again[1].Equal(got[1]) {
		t.Error("not deterministic")
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	tests := []struct {
		fn   func() error
		want string
	}{
		{func() error { _, err := DecodeIssue("i.json", []byte(`{"id": "x"}`)); return err }, "id"},
		{func() error { _, err := DecodeIssue("i.json", []byte(`{"id": 1, "html_url": "u"}`)); return err }, "user.login"},
		{func() error {
			_, err := DecodeIssue("i.json", []byte(`{"id": 1, "html_url": "u", "user": {"login": "a"}, "labels": [3]}`))
			return err
		}, "labels"},
		{func() error {
			_, err := DecodeComments("c.json", []byte(`[{"id": 1, "user": {"login": "a"}}, {"id": 2, "body": 5}]`))
			return err
		}, "[1]: body"},
		{func() error { _, err := DecodeComments("c.json", []byte(`{"id": 1}`)); return err }, "want a JSON array"},
		{func() error {
			_, err := DecodeReviews("r.json", []byte(`[{"id": 1, "user": {"login": "a"}, "additions": -1}]`))
			return err
		}, "[0].additions"},
		{func() error { _, err := DecodeFiles("f.json", []byte(`[{"additions": 1}]`)); return err }, "[0].filename"},
	}
	for i, tt := range tests {
		err := tt.fn()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("case %d: %v, want an error naming %q", i, err, tt.want)
		}
	}
}

func TestSkipCommentsWhileAssigned(t *testing.T) {
	ev := func(kind, who, at string) IssueEvent {
		return IssueEvent{Event: kind, CreatedAt: at, Assignee: &User{Login: who}}
	}
	events := []IssueEvent{ev("assigned", "bob", "2024-04-01T00:00:00Z"), ev("unassigned", "bob", "2024-04-10T00:00:00Z"),
		ev("assigned", "bob", "2024-04-20T00:00:00Z")}
	tests := []struct {
		at         string
		all, exact bool
	}{
		{"2024-03-31T23:59:59Z", false, false},
		{"2024-04-01T00:00:00Z", true, true},
		{"2024-04-10T00:00:00Z", true, true},
		{"2024-04-15T00:00:00Z", true, false}, // between periods
		{"2024-05-01T00:00:00Z", true, true},  // the open period
		{"not a time", false, false},
	}
	ps := assignmentPeriods(events)
	for _, tt := range tests {
		if got := duringAssignment(tt.at, ps["bob"], false); got != tt.all {
			t.Errorf("all %s: %v", tt.at, got)
		}
		if got := duringAssignment(tt.at, ps["bob"], true); got != tt.exact {
			t.Errorf("exact %s: %v", tt.at, got)
		}
	}
	c := DefaultConfig()
	c.SkipCommentsWhileAssigned = "all"
	th := conversationFixture()
	th.Comments[0].CreatedAt = "2024-04-05T00:00:00Z" // bob, while assigned
	th.Events = events
	res, err := c.Score(context.Background(), th, Fixed(d("1")))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.User("bob").Comments); n != 0 {
		t.Errorf("bob kept %d comments made while assigned", n)
	}
	c.SkipCommentsWhileAssigned = "none"
	res, _ = c.Score(context.Background(), th, Fixed(d("1")))
	if n := len(res.User("bob").Comments); n != 1 {
		t.Errorf("none: bob has %d comments, want 1", n)
	}
}

func TestOriginalAuthor(t *testing.T) {
	c := DefaultConfig()
	c.OriginalAuthorWeight = d("0.37")
	plain, err := c.Score(context.Background(), conversationFixture(), Fixed(d("1")))
	if err != nil {
		t.Fatal(err)
	}
	specReward := plain.User("alice").Comments[0].Score.Reward
	th := conversationFixture()
	th.Issue.Body = body("Build the parser for the config.\n\n_Originally posted by @dave in [#12](https://github.com/o/r/issues/12#issuecomment-1)_")
	res, err := c.Score(context.Background(), th, Fixed(d("1")))
	if err != nil {
		t.Fatal(err)
	}
	var spec *ScoredComment
	for _, sc := range res.User("alice").Comments {
		if sc.Role.IsSpecification() {
			spec = sc
		}
	}
	dave := res.User("dave")
	if spec == nil || dave == nil || len(dave.Comments) != 1 {
		t.Fatalf("alice's spec %+v, dave %+v", spec, dave)
	}
	full := spec.Score.Reward.Add(dave.Comments[0].Score.Reward)
	if !dave.Comments[0].Weight.Equal(d("0.37")) || !spec.Weight.Equal(d("0.63")) || !dave.Total.Equal(dave.Comments[0].Score.Reward) {
		t.Errorf("weights %s / %s, dave's total %s", spec.Weight, dave.Comments[0].Weight, dave.Total)
	}
	if !dave.Comments[0].Score.Reward.Equal(mul(full, d("0.37"))) || specReward.IsZero() {
		t.Errorf("shares %s and %s of %s", spec.Score.Reward, dave.Comments[0].Score.Reward, full)
	}
	// The author quoting themself keeps everything.
	th.Issue.Body = body("Build it.\n\n_Originally posted by @alice in [#12](https://github.com/o/r/issues/12#issuecomment-1)_")
	res, _ = c.Score(context.Background(), th, Fixed(d("1")))
	if res.User("dave") != nil {
		t.Error("self-quote shared the reward")
	}
}

func TestFeesFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		vars map[string]string
		ok   bool
		rate string
		ex   int
	}{
		{map[string]string{}, false, "", 0},
		{map[string]string{"PERMIT_FEE_RATE": "5"}, false, "", 0}, // no treasury
		{map[string]string{"PERMIT_FEE_RATE": "0", "PERMIT_TREASURY_GITHUB_USERNAME": "t"}, false, "", 0},
		{map[string]string{"PERMIT_FEE_RATE": "abc", "PERMIT_TREASURY_GITHUB_USERNAME": "t"}, false, "", 0},
		{map[string]string{"PERMIT_FEE_RATE": "2.5", "PERMIT_TREASURY_GITHUB_USERNAME": "t"}, true, "2.5", 0},
		{map[string]string{"PERMIT_FEE_RATE": "5", "PERMIT_TREASURY_GITHUB_USERNAME": "t",
			"PERMIT_ERC20_TOKENS_NO_FEE_WHITELIST": `"0xA, 0xB"`}, true, "5", 2},
	}
	for i, tt := range tests {
		f, ok := FeesFromEnv(env(tt.vars), "0xa")
		if ok != tt.ok || (ok && (!f.Rate.Equal(d(tt.rate)) || len(f.ExemptTokens) != tt.ex)) {
			t.Errorf("case %d: %+v %v", i, f, ok)
		}
	}
}
