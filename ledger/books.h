// Books holds the committed in-memory state of every timebank: its settings
// and chain head, and each account with its running totals. It is what
// balances and account reads are served from; the writer publishes into it
// after each durable commit.
//
// Thread safety: every method takes the internal lock; readers never wait for
// a commit's disk write, only for the short copy that publishes it.

#ifndef TIMEBANK_LEDGER_BOOKS_H_
#define TIMEBANK_LEDGER_BOOKS_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "ledger/types.h"

namespace timebank::ledger {

class Books {
 public:
  std::optional<Timebank> FindTimebank(const std::string& tb) const;
  std::vector<Timebank> AllTimebanks() const;
  std::optional<Account> FindAccount(const std::string& tb,
                                     const std::string& account) const;
  std::optional<std::string> DisplayNameOf(const std::string& tb,
                                           const std::string& account) const;
  // Up to `limit` accounts with id > `after`, in id order; with `keep`,
  // only those it keeps (it runs under the read lock, like VisitAccounts').
  std::vector<Account> AccountsAfter(
      const std::string& tb, const std::string& after, size_t limit,
      const std::function<bool(const Account&)>& keep = {}) const;
  // Calls `visit` for every account of the timebank, in id order, under
  // the books' read lock (so `visit` must not call back into Books).
  void VisitAccounts(const std::string& tb,
                     const std::function<void(const Account&)>& visit) const;
  // Balances of every account and the journal position they reflect.
  std::pair<Seq, std::vector<std::pair<std::string, int64_t>>> Balances(
      const std::string& tb) const;

  // Replaces timebanks and accounts with committed versions, all at once.
  void Publish(
      const std::map<std::string, Timebank>& timebanks,
      const std::map<std::pair<std::string, std::string>, Account>& accounts);

  void BlockWrites(const std::string& tb);
  bool WritesBlocked(const std::string& tb) const;

 private:
  struct Book {
    Timebank timebank;
    std::map<std::string, Account> accounts;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, Book> books_;
  std::set<std::string> blocked_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_BOOKS_H_
