//===- NestingLimit.h - Refusing too deeply nested input --------*- C++ -*-===//
//
// MLIR's parser descends recursively into parentheses, brackets, braces and
// angle brackets (types, attributes, affine expressions, regions), so a file
// with tens of thousands of nested brackets overflows the stack and crashes
// the tool. tvq-opt and tvq-compile scan their input first and refuse
// nesting deeper than kMaxNesting with an error at the place it is reached.
// Real IR nests a few dozen levels at most.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_COMMON_NESTINGLIMIT_H
#define TVQ_TOOLS_COMMON_NESTINGLIMIT_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tvq {

/// The deepest nesting of (), [], {} and <> the tools accept.
constexpr unsigned kMaxNesting = 1000;

/// Whether buffer nests at most kMaxNesting levels; if not, prints
/// "FILE:LINE:COL: error: ..." to os. String literals and `//` comments are
/// skipped; each kind of bracket is counted separately (a stray closer of
/// one kind cannot hide openers of another), `->` is not a closer, and a
/// count never goes below zero. The sum bounds the parser's recursion.
inline bool checkNesting(const llvm::MemoryBuffer &buffer,
                         llvm::raw_ostream &os) {
  llvm::StringRef text = buffer.getBuffer();
  unsigned depth[4] = {0, 0, 0, 0};
  constexpr llvm::StringLiteral openers = "([{<", closers = ")]}>";
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') { // a string literal, with escapes
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    if (c == '/' && text.substr(i, 2) == "//") {
      i = text.find('\n', i);
      if (i == llvm::StringRef::npos)
        break;
      continue;
    }
    if (size_t kind = openers.find(c); kind != llvm::StringRef::npos) {
      ++depth[kind];
      if (depth[0] + depth[1] + depth[2] + depth[3] > kMaxNesting) {
        llvm::SourceMgr sourceMgr;
        sourceMgr.AddNewSourceBuffer(
            llvm::MemoryBuffer::getMemBuffer(buffer.getMemBufferRef(),
                                             /*RequiresNullTerminator=*/false),
            llvm::SMLoc());
        sourceMgr.PrintMessage(
            os, llvm::SMLoc::getFromPointer(text.data() + i),
            llvm::SourceMgr::DK_Error,
            llvm::Twine("nesting deeper than ") + llvm::Twine(kMaxNesting) +
                " levels of (), [], {} and <>: refused (the parser would "
                "overflow the stack)");
        return false;
      }
    } else if (size_t kind = closers.find(c);
               kind != llvm::StringRef::npos && depth[kind] > 0 &&
               !(c == '>' && i > 0 && text[i - 1] == '-')) {
      --depth[kind];
    }
  }
  return true;
}

} // namespace mlir::tvq

#endif // TVQ_TOOLS_COMMON_NESTINGLIMIT_H
