// Package manifest is the schema of web/datasets/manifest.json, the index of
// the shipped datasets that the server serves, the service worker caches and
// the UI reads its numbers from (documents, tokens, quality mix, structure).
//
// The build (datasets/cmd/mkdatasets) writes it; the UI and the server decode
// it with these same types:
//
//	var m manifest.Manifest
//	err := json.Unmarshal(data, &m)
//	pre := m.Dataset("pretrain")
package manifest
