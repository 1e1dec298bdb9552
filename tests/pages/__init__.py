"""Page tests: each page run under Streamlit's AppTest, without a browser."""
