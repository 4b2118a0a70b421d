package plaudit

import "encoding/json"

// attrsMayExceed reports whether the compact JSON of attrs could be longer than max bytes, from an upper
// bound on the length json.Marshal gives (every string byte counted as a six-byte \u escape). Validate
// marshals attrs to measure them only when it says yes, which keeps validation — on the path of every
// imported and posted event — free of reflection and allocation for the usual, small attrs.
func attrsMayExceed(attrs map[string]any, max int) bool {
	n := 0
	return !jsonBound(attrs, &n, max, 0)
}

// jsonBound adds an upper bound of v's JSON length to *n and reports whether it stays within max.
func jsonBound(v any, n *int, max, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := v.(type) {
	case nil, bool:
		*n += 5
	case string:
		*n += 6*len(x) + 2
	case json.Number:
		*n += len(x)
	case int, int64, float64:
		*n += 32
	case []any:
		*n += 2 + len(x)
		for _, y := range x {
			if !jsonBound(y, n, max, depth+1) {
				return false
			}
		}
	case map[string]any:
		*n += 2
		for k, y := range x {
			*n += 6*len(k) + 4
			if *n > max || !jsonBound(y, n, max, depth+1) {
				return false
			}
		}
	default:
		return false
	}
	return *n <= max
}
