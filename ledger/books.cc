#include "ledger/books.h"

#include <mutex>

namespace timebank::ledger {

std::optional<Timebank> Books::FindTimebank(const std::string& tb) const {
  std::shared_lock lock(mu_);
  auto it = books_.find(tb);
  if (it == books_.end()) return std::nullopt;
  return it->second.timebank;
}

std::vector<Timebank> Books::AllTimebanks() const {
  std::shared_lock lock(mu_);
  std::vector<Timebank> out;
  out.reserve(books_.size());
  for (const auto& [id, book] : books_) out.push_back(book.timebank);
  return out;
}

std::optional<Account> Books::FindAccount(const std::string& tb,
                                          const std::string& account) const {
  std::shared_lock lock(mu_);
  auto book = books_.find(tb);
  if (book == books_.end()) return std::nullopt;
  auto it = book->second.accounts.find(account);
  if (it == book->second.accounts.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Books::DisplayNameOf(
    const std::string& tb, const std::string& account) const {
  std::shared_lock lock(mu_);
  auto book = books_.find(tb);
  if (book == books_.end()) return std::nullopt;
  auto found = book->second.accounts.find(account);
  if (found == book->second.accounts.end()) return std::nullopt;
  return found->second.display_name;
}

std::vector<Account> Books::AccountsAfter(
    const std::string& tb, const std::string& after, size_t limit,
    const std::function<bool(const Account&)>& keep) const {
  std::shared_lock lock(mu_);
  std::vector<Account> out;
  auto book = books_.find(tb);
  if (book == books_.end()) return out;
  for (auto it = book->second.accounts.upper_bound(after);
       it != book->second.accounts.end() && out.size() < limit; ++it) {
    if (!keep || keep(it->second)) out.push_back(it->second);
  }
  return out;
}

void Books::VisitAccounts(
    const std::string& tb,
    const std::function<void(const Account&)>& visit) const {
  std::shared_lock lock(mu_);
  auto book = books_.find(tb);
  if (book == books_.end()) return;
  for (const auto& [id, account] : book->second.accounts) visit(account);
}

std::pair<Seq, std::vector<std::pair<std::string, int64_t>>> Books::Balances(
    const std::string& tb) const {
  std::shared_lock lock(mu_);
  std::pair<Seq, std::vector<std::pair<std::string, int64_t>>> out;
  auto book = books_.find(tb);
  if (book == books_.end()) return out;
  out.first = book->second.timebank.last_seq;
  out.second.reserve(book->second.accounts.size());
  for (const auto& [id, account] : book->second.accounts) {
    out.second.emplace_back(id, account.totals.balance_minutes());
  }
  return out;
}

void Books::Publish(
    const std::map<std::string, Timebank>& timebanks,
    const std::map<std::pair<std::string, std::string>, Account>& accounts) {
  std::unique_lock lock(mu_);
  for (const auto& [id, timebank] : timebanks) books_[id].timebank = timebank;
  for (const auto& [key, account] : accounts) {
    books_[key.first].accounts[key.second] = account;
  }
}

void Books::BlockWrites(const std::string& tb) {
  std::unique_lock lock(mu_);
  blocked_.insert(tb);
}

bool Books::WritesBlocked(const std::string& tb) const {
  std::shared_lock lock(mu_);
  return blocked_.count(tb) > 0;
}

}  // namespace timebank::ledger
