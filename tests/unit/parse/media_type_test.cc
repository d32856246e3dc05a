#include "api/parse/media_type.h"

#include <gtest/gtest.h>

#include <string>

namespace filesd {
namespace {

TEST(ParseMediaTypeTest, TypeAndSubtypeAreLowerCased) {
  auto m = ParseMediaType("TEXT/CSV");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "text");
  EXPECT_EQ(m->subtype, "csv");
  EXPECT_TRUE(m->parameters.empty());
}

TEST(ParseMediaTypeTest, ParametersTokenAndQuoted) {
  auto m = ParseMediaType(
      " application/vnd.ms-excel ;\tCharSet=UTF-8 ; name=\"a \\\"b\\\\ c;d=e\" ;; x=y; ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "application");
  EXPECT_EQ(m->subtype, "vnd.ms-excel");
  ASSERT_EQ(m->parameters.size(), 3u);
  EXPECT_EQ(m->parameters[0].name, "charset");
  EXPECT_EQ(m->parameters[0].value, "UTF-8");  // values keep their case
  EXPECT_EQ(m->parameters[1].name, "name");
  EXPECT_EQ(m->parameters[1].value, "a \"b\\ c;d=e");
  EXPECT_EQ(m->parameters[2].name, "x");
  EXPECT_EQ(m->parameters[2].value, "y");
}

TEST(ParseMediaTypeTest, EmptyQuotedValueAndObsText) {
  auto m = ParseMediaType("text/plain; a=\"\"; b=\"caf\xc3\xa9\"");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->parameters.size(), 2u);
  EXPECT_EQ(m->parameters[0].value, "");
  EXPECT_EQ(m->parameters[1].value, "caf\xc3\xa9");
}

TEST(ParseMediaTypeTest, RefusesWhatTheGrammarDoesNotAllow) {
  for (std::string_view bad :
       {"", " ", "text", "text/", "/csv", "text /csv", "text/ csv", "text/csv/x", "te xt/csv",
        "text/csv charset=utf-8", "text/csv; charset", "text/csv; charset=", "text/csv; =utf-8",
        "text/csv; charset =utf-8", "text/csv; charset= utf-8", "text/csv; charset=\"utf-8",
        "text/csv; charset=\"utf-8\\\"", "text/csv; charset=utf 8", "text/csv; a=b\"c\"",
        "text/csv; a=\"b\"c", "text/csv; a=\"b\x01\"", "text/csv; a=\"\\\x7f\"",
        "text/c\xc3\xa9", "text/csv; a=b,c", "text/csv; a=\"x\"\"y\""}) {
    EXPECT_FALSE(ParseMediaType(bad)) << "accepted: " << bad;
  }
}

TEST(MediaTypeSatisfiesTest, SameTypeAnyCaseAndWhitespace) {
  EXPECT_TRUE(MediaTypeSatisfies("text/csv", "text/csv"));
  EXPECT_TRUE(MediaTypeSatisfies("text/csv", "TEXT/CSV"));
  EXPECT_TRUE(MediaTypeSatisfies("Text/Csv", " text/csv\t"));
  EXPECT_TRUE(MediaTypeSatisfies("text/csv", "text/csv ;"));
}

TEST(MediaTypeSatisfiesTest, ParametersOfTheSentTypeAloneDoNotMatter) {
  EXPECT_TRUE(MediaTypeSatisfies("text/csv", "text/csv; charset=utf-8"));
  EXPECT_TRUE(MediaTypeSatisfies("text/csv", "text/csv;charset=\"utf-8\"; header=present"));
}

TEST(MediaTypeSatisfiesTest, BoundParametersMustBePresentAndEqual) {
  const std::string_view bound = "text/csv; charset=utf-8";
  EXPECT_TRUE(MediaTypeSatisfies(bound, "text/csv; charset=utf-8"));
  EXPECT_TRUE(MediaTypeSatisfies(bound, "text/csv; CHARSET=UTF-8"));   // charset: case-insensitive
  EXPECT_TRUE(MediaTypeSatisfies(bound, "text/csv; charset=\"utf-8\""));  // quoted is the same
  EXPECT_TRUE(MediaTypeSatisfies(bound, "text/csv; header=present; charset=utf-8"));
  EXPECT_FALSE(MediaTypeSatisfies(bound, "text/csv"));
  EXPECT_FALSE(MediaTypeSatisfies(bound, "text/csv; charset=latin1"));
  EXPECT_FALSE(MediaTypeSatisfies(bound, "text/csv; charset=utf-8; charset=latin1"));
  EXPECT_FALSE(MediaTypeSatisfies(bound, "text/plain; charset=utf-8"));
  // Other parameter values compare exactly.
  EXPECT_TRUE(MediaTypeSatisfies("text/csv; header=present", "text/csv; Header=present"));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv; header=present", "text/csv; header=Present"));
  EXPECT_TRUE(MediaTypeSatisfies("application/x; a=\"b c\"", "application/x; a=\"b c\""));
  EXPECT_FALSE(MediaTypeSatisfies("application/x; a=\"b c\"", "application/x; a=\"b  c\""));
}

TEST(MediaTypeSatisfiesTest, OtherTypesAndMalformedValuesAreRefused) {
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", "application/pdf"));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", "text/csvx"));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", "text/plain"));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", ""));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", "text/csv; charset"));
  EXPECT_FALSE(MediaTypeSatisfies("text/csv", "text/csv, application/pdf"));
}

TEST(MediaTypeSatisfiesTest, AnUnparseableBindingNeedsTheSameText) {
  EXPECT_TRUE(MediaTypeSatisfies("csv", "CSV"));
  EXPECT_TRUE(MediaTypeSatisfies(" csv", "csv "));
  EXPECT_FALSE(MediaTypeSatisfies("csv", "csv; charset=utf-8"));
  EXPECT_FALSE(MediaTypeSatisfies("csv", "text/csv"));
}

}  // namespace
}  // namespace filesd
