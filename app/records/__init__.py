"""app/records"""
