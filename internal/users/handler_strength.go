package users

import (
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

type strengthCheckRequest struct {
	Password string `json:"password"`
	Email    string `json:"email"`
}

type strengthCheckResponse struct {
	api.Meta
	ValidPassword           bool             `json:"valid_password"`
	Score                   int              `json:"score"`
	BreachedPassword        bool             `json:"breached_password"`
	StrengthPolicy          string           `json:"strength_policy"`
	BreachDetectionOnCreate bool             `json:"breach_detection_on_create"`
	Feedback                strengthFeedback `json:"feedback"`
}

type strengthFeedback struct {
	Suggestions      []string         `json:"suggestions"`
	Warning          string           `json:"warning"`
	LUDSRequirements ludsRequirements `json:"luds_requirements"`
}

type ludsRequirements struct {
	HasLowerCase      bool `json:"has_lower_case"`
	HasUpperCase      bool `json:"has_upper_case"`
	HasDigit          bool `json:"has_digit"`
	HasSymbol         bool `json:"has_symbol"`
	MissingComplexity int  `json:"missing_complexity"`
	MissingCharacters int  `json:"missing_characters"`
}

// strengthCheck is POST /v1/passwords/strength_check. The policy is LUDS
// (see password.Policy for why not zxcvbn); no breach corpus is consulted,
// so breached_password is always false.
func (h *Handler) strengthCheck(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req strengthCheckRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	s := h.Service.CheckStrength(req.Password, req.Email)
	l := s.LUDS
	api.Write(w, r, http.StatusOK, &strengthCheckResponse{
		ValidPassword:  s.Valid,
		Score:          s.Score,
		StrengthPolicy: "luds",
		Feedback: strengthFeedback{
			Suggestions: s.Suggestions,
			Warning:     s.Warning,
			LUDSRequirements: ludsRequirements{
				HasLowerCase: l.HasLower, HasUpperCase: l.HasUpper, HasDigit: l.HasDigit, HasSymbol: l.HasSymbol,
				MissingComplexity: l.MissingComplexity, MissingCharacters: l.MissingCharacters,
			},
		},
	})
	return nil
}
