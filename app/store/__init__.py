"""app/store"""
