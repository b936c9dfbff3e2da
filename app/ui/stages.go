package ui

// stage is what the UI says about one training stage: the same words on
// the overview and on the stage's own page.
type stage struct {
	Key       string // the manifest's stage name
	Path      string
	Title     string
	Goal      string
	Data      string
	Objective string
	Changes   string
	Issue     int // the issue that brings the stage's page, while it is a placeholder
}

var (
	stagePre = stage{
		Key: "pretraining", Path: "/pretraining", Title: "Pre-training",
		Goal: "Turn a randomly initialised network into a model of language: " +
			"learn spelling, grammar and the facts that recur across a large corpus.",
		Data: "Large, diverse and of mixed quality: a miniature internet of encyclopedia pages, " +
			"news, stories, forums, recipes, lists, and some spam and boilerplate.",
		Objective: "Predict the next token at every position. Every target token has weight 1: " +
			"all text counts, so data curation (which documents to keep) is the main lever.",
		Changes: "The general loss falls; samples go from noise to words to sentences.",
	}
	stageMid = stage{
		Key: "midtraining", Path: "/midtraining", Title: "Mid-training", Issue: 5,
		Goal: "Specialise a pre-trained model to a domain (code, an organisation's linked documents) " +
			"without losing what it already knows.",
		Data: "Smaller and cleaner, with structure: Go source with doc comments and signatures, " +
			"a knowledge base whose pages cite each other, and synthetic data derived from that structure.",
		Objective: "Next-token prediction on domain text (weight 1), mixed with replay of general text; " +
			"optionally an embedding loss between paired views (JEPA).",
		Changes: "The domain loss falls; without replay the general loss rises (forgetting).",
	}
	stagePost = stage{
		Key: "posttraining", Path: "/posttraining", Title: "Post-training", Issue: 6,
		Goal: "Make the model follow a format and a task: answer questions, solve problems " +
			"with a checkable answer, prefer better replies.",
		Data: "Small and highly structured: chat questions and answers, math problems with a " +
			`\boxed{} answer, preference pairs.`,
		Objective: "Supervised fine-tuning weighs only the answer's tokens (1) and not the prompt's (0); " +
			"RL weighs sampled tokens by their reward's advantage; DPO pushes chosen tokens up and rejected ones down.",
		Changes: "Format compliance, task accuracy and preference accuracy rise; knowledge from " +
			"pre- and mid-training is elicited.",
	}
	stages = []stage{stagePre, stageMid, stagePost}
)

// thesis is the product's one-line claim.
const thesis = "A stage of training is defined by the scale of its data, the structure in it, " +
	"and how the learning algorithm exploits that structure."
