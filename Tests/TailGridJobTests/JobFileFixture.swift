import Foundation

import TailGridTestSupport

extension JobFolder {
    /// A small valid job; `replacing` swaps exact text to break it.
    static let valid = """
        job: small
        valuation_time: 2025-02-20T08:00:00Z
        seed: 7
        scenarios: 2000
        horizon_days: 2
        confidence: [0.99, 0.975]
        chunk_size: 512
        model: { kind: gaussian }
        market:
          rate: 0.0
          underlyings:
            BTC: { spot: 97600, vol: 0.55, vol_of_vol: 1.2, carry: 0.05 }
            ETH: { spot: 2719, vol: 0.70 }
          correlation:
            factors: [BTC, ETH, BTC.vol]
            matrix: [[1.0, 0.8, -0.2], [0.8, 1.0, -0.1], [-0.2, -0.1, 1.0]]
            repair: none
        collateral_haircuts: { USD: 0.0, BTC: 0.10, ETH: 0.15 }
        margin: { measure: es, maintenance_ratio: 0.8 }
        accounts:
          - id: alice
            collateral: { USD: 250000, BTC: 1.5 }
            positions:
              - { instrument: BTC-28MAR25-100000-C, quantity: -10 }
              - { instrument: BTC-PERPETUAL, quantity: 50000 }
          - id: bob
            collateral: { ETH: 10 }
            positions:
              - { instrument: ETH-28MAR25, quantity: 10000 }

        """
}
