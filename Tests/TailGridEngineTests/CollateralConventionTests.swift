import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// The two collateral conventions (`MarginPolicy.Collateral`) and haircuts on
/// liabilities, on the examples of the review: BTC at 97,600 USD, a 2-day 99% ES.
@Suite struct CollateralConventionTests {
    static func run(_ accounts: [Account], haircut: Double, convention: MarginPolicy.Collateral) throws -> [AccountRisk] {
        var job = try Fixtures.job(accounts: accounts, scenarios: 20_000, chunkSize: 4096)
        job.haircuts = ["BTC": haircut]
        job.margin = MarginPolicy(collateral: convention)
        return try LocalRunner(plan: try EnginePlan(job), threads: 2).run().accounts
    }

    /// USD 1,000,000 against a borrowed 10 BTC: at h = 0.1 the debt counts 10 x 97,600 x
    /// 1.1 = 1,073,600, so equity is -73,600 (it was +121,600: the haircut shrank the
    /// debt); at h = 0, 1,000,000 - 976,000 = 24,000. Both are below the IM of a short
    /// 10 BTC and so `liquidation`.
    @Test func aLiabilityIsNeverMadeSmallerByAHaircut() throws {
        let borrowed = Account(id: "borrowed", collateral: [.init(currency: "USD", amount: 1_000_000), .init(currency: "BTC", amount: -10)],
                               positions: [])
        for convention in [MarginPolicy.Collateral.portfolio, .haircut] {
            let cut = try Self.run([borrowed], haircut: 0.1, convention: convention)[0]
            let none = try Self.run([borrowed], haircut: 0, convention: convention)[0]
            #expect(abs(cut.equity - -73_600) < 1e-6)
            #expect(abs(none.equity - 24_000) < 1e-6)
            #expect(cut.equity < none.equity)
            if convention == .portfolio {
                #expect(cut.margin.status == .liquidation)
                #expect(none.margin.status == .liquidation)
                #expect(cut.margin.initialMargin == none.margin.initialMargin)
            }
        }
        #expect(MarginPolicy.collateralValue(amount: -10, price: 97_600, haircut: 0.1) == -1_073_600)
        #expect(MarginPolicy.collateralValue(amount: 10, price: 97_600, haircut: 0.1) == 878_400)
    }

    /// Portfolio: the coin moves at full price whatever the haircut, so 10 BTC at h = 0.1
    /// has the loss distribution of 10 BTC at h = 0 (it used to equal 9 BTC at h = 0);
    /// only equity differs, by 0.1 x 10 x 97,600 = 97,600.
    @Test func portfolioHaircutsActOnEquityOnly() throws {
        let holder = Account(id: "holder", collateral: [.init(currency: "BTC", amount: 10)], positions: [])
        let cut = try Self.run([holder], haircut: 0.1, convention: .portfolio)[0]
        let none = try Self.run([holder], haircut: 0, convention: .portfolio)[0]
        #expect(cut.estimates[0].expectedShortfall == none.estimates[0].expectedShortfall)
        #expect(abs(none.equity - cut.equity - 97_600) < 1e-6)
        let nine = Account(id: "nine", collateral: [.init(currency: "BTC", amount: 9)], positions: [])
        #expect(try Self.run([nine], haircut: 0, convention: .portfolio)[0].estimates[0].expectedShortfall
                != cut.estimates[0].expectedShortfall)
    }

    /// 1 BTC against a short 97,600 USD inverse perpetual: the short's P&L is
    /// -97,600 (1/S - 1/S') S' = -(S' - S), the coin's +(S' - S), so every scenario's loss
    /// is 0 to rounding and IM is 0 at any haircut (it was 1,103 at h = 0.1). Under the
    /// haircut convention the coin is not in the scenarios: IM is the short perpetual's.
    @Test func aCoinHedgesItsInversePerpetualUnderPortfolio() throws {
        let hedged = Account(id: "hedged", collateral: [.init(currency: "BTC", amount: 1)],
                             positions: [try Fixtures.position("BTC-PERPETUAL", -97_600)])
        let naked = Account(id: "naked", collateral: [], positions: [try Fixtures.position("BTC-PERPETUAL", -97_600)])
        let portfolio = try Self.run([hedged, naked], haircut: 0.1, convention: .portfolio)
        #expect(portfolio[0].margin.initialMargin < 1e-6)
        #expect(abs(portfolio[0].equity - 87_840) < 1e-6)
        #expect(portfolio[0].margin.status == .ok)
        let ccp = try Self.run([hedged, naked], haircut: 0.1, convention: .haircut)
        #expect(ccp[0].margin.initialMargin == ccp[1].margin.initialMargin)
        #expect(ccp[0].margin.initialMargin > 5_000)
        #expect(abs(ccp[0].equity - 87_840) < 1e-6)
    }

    /// A covered call: 1 BTC of collateral against a short BTC-28MAR25-100000-C.
    /// Portfolio: the account's losses are those of (long 1 BTC spot, short 1 call), bit
    /// for bit. Haircut: those of the short call alone. Equity in both: 0.9 x 97,600 minus
    /// the call's premium.
    @Test func aCoveredCallUnderBothConventions() throws {
        let call = try Fixtures.position("BTC-28MAR25-100000-C", -1)
        let covered = Account(id: "covered", collateral: [.init(currency: "BTC", amount: 1)], positions: [call])
        let asPositions = Account(id: "positions", collateral: [], positions: [try Fixtures.position("BTC", 1), call])
        let naked = Account(id: "naked", collateral: [], positions: [call])
        let portfolio = try Self.run([covered, asPositions, naked], haircut: 0.1, convention: .portfolio)
        let ccp = try Self.run([covered, asPositions, naked], haircut: 0.1, convention: .haircut)
        #expect(portfolio[0].estimates[0].expectedShortfall == portfolio[1].estimates[0].expectedShortfall)
        #expect(ccp[0].estimates[0].expectedShortfall == ccp[2].estimates[0].expectedShortfall)
        let premium = -portfolio[2].equity
        #expect(premium > 1_000 && premium < 10_000)
        #expect(abs(portfolio[0].equity - (87_840 - premium)) < 1e-6)
        #expect(abs(ccp[0].equity - (87_840 - premium)) < 1e-6)
    }
}
