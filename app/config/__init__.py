"""app/config"""
