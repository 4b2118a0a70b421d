package service

// AdvancedCatchUps is how many catch-ups of s moved its live engine over events another process scored
// instead of rebuilding it from the log.
func AdvancedCatchUps(s *Service) int { return s.advanced }
