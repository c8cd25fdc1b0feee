import TailGridMarket

extension MarketData {
    /// 1 / today's spot of a coin-margined account's coin, else 1: what turns the
    /// account's USD figures into its currency.
    func perUSD(of account: Account) -> Double {
        1 / (account.marginCoin.flatMap { underlying($0)?.spot } ?? 1)
    }
}
