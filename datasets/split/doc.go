// Package split assigns items to the train or eval split by a hash of their id.
//
// Splitting by hash rather than by position means an item's split never
// depends on the order or the number of items generated around it, on the
// seed, or on which other items were kept: the same id always lands in the
// same split. Ids that are derived from content (as the pre-training
// documents' are) make the split content-addressed, so identical texts can
// never straddle train and eval.
package split
