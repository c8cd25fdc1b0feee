/// A margin account: collateral by currency and positions by instrument.
public struct Account: Sendable, Hashable {
    public struct Position: Sendable, Hashable {
        public let instrument: Instrument
        /// Signed: positive long, negative short, in the instrument's unit (see `Instrument`).
        public let quantity: Double

        public init(instrument: Instrument, quantity: Double) {
            self.instrument = instrument
            self.quantity = quantity
        }
    }

    public struct Collateral: Sendable, Hashable {
        public let currency: String
        public let amount: Double

        public init(currency: String, amount: Double) {
            self.currency = currency
            self.amount = amount
        }
    }

    public let id: String
    public let collateral: [Collateral]
    public let positions: [Position]
    /// The underlying whose coin the account's equity, losses and margin are measured in
    /// (a coin-margined account, as on Deribit); nil measures them in USD.
    public let marginCoin: String?

    public init(id: String, collateral: [Collateral], positions: [Position], marginCoin: String? = nil) {
        self.id = id
        self.collateral = collateral
        self.positions = positions
        self.marginCoin = marginCoin
    }

    /// The same account with more positions (`more` itself when it had none: no copy of
    /// the positions a 400,000-row file adds to accounts declared without any).
    public func adding(_ more: [Position]) -> Account {
        Account(id: id, collateral: collateral, positions: positions.isEmpty ? more : positions + more, marginCoin: marginCoin)
    }
}
