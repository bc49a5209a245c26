"""The referrer portal: what a referrer sees of their referrals and earnings."""
