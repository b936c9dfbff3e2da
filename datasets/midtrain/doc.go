// Package midtrain generates the mid-training corpus: a smaller, cleaner
// domain with structure that the stage can exploit.
//
// The domain is the software organisation at the centre of the fictional
// world (world.World.Home) and the Go code it lives on:
//
//   - Code: a curated set of Go standard-library packages (Packages),
//     extracted at build time from $GOROOT/src with go/parser, keeping the
//     license header, package path, doc comments and signatures, and the
//     bodies of short functions (BSD license, recorded in the card).
//   - KB: the organisation's internal knowledge base — pages with URLs,
//     titles, citations between pages (cites) and structured records. This
//     is where the facts placed in mid-training (Seen == "midtrain") live,
//     each written 18 to 30 times; no other fact is ever written here.
//   - Synthetic: training items produced by code from that structure:
//     doc comment → signature, signature → package, title → URL, which page
//     cites which, record → sentence. Each item's text is two views of one
//     thing — its first line and the rest — for paired-view losses such as
//     JEPA (record.Synthetic.Views).
package midtrain
