package plaudit

// KindRelevance is a GitHub conversation's recorded relevance ratings: the relevance of each comment to the
// issue's specification, rated once — by the language model when one is configured, else by the offline
// model — and kept in the log so that rescoring, verify and witnesses replay the recorded values and never
// call the model again (score/conversation reads them).
const KindRelevance Kind = "relevance"

func init() { RegisterKind(SourceGitHub, KindRelevance) }
