"""app/rules"""
