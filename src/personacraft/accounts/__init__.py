"""The account layer (B2B): one row per account, money per persona, and churn where it happens."""
